// Finds the Electron binary without triggering electron's own lazy download (its index.js
// downloads on require). Returns the executable path, or null when it is not installed.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

export function findElectronBinary(root) {
  const pkgDir = path.join(root, 'node_modules', 'electron')
  const pathFile = path.join(pkgDir, 'path.txt')
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const candidate = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, relative ?? 'electron')
    return existsSync(candidate) ? candidate : null
  }
  if (!relative) return null
  const candidate = path.join(pkgDir, 'dist', relative)
  return existsSync(candidate) ? candidate : null
}

/** Name and version of the installed Spikelab, read from its package.json (found by walking up). */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface PackageInfo {
  readonly name: string
  readonly version: string
  /** Folder holding package.json: the repository in development, the app folder when packaged. */
  readonly root: string
}

let cached: PackageInfo | null = null

export function packageInfo(): PackageInfo {
  if (cached) return cached
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const file = path.join(dir, 'package.json')
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'spikelab' && pkg.version) return (cached = { name: pkg.name, version: pkg.version, root: dir })
    }
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error('Spikelab package.json not found above ' + fileURLToPath(import.meta.url))
    dir = parent
  }
}

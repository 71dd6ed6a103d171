// Rebuilds only when a source file is newer than the last complete build (out/.build-stamp).
import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SOURCES = ['common', 'main', 'native-bridge', 'renderer', 'package.json', 'tsconfig.base.json', 'tsconfig.build.json']

function newest(p) {
  let st
  try {
    st = statSync(p)
  } catch {
    return 0
  }
  if (!st.isDirectory()) return st.mtimeMs
  let max = st.mtimeMs
  for (const name of readdirSync(p)) {
    if (name === 'node_modules' || name === 'dist') continue
    max = Math.max(max, newest(path.join(p, name)))
  }
  return max
}

let stamp = 0
try {
  stamp = statSync(path.join(root, 'out', '.build-stamp')).mtimeMs
} catch {
  stamp = 0
}
const sources = Math.max(...SOURCES.map((s) => newest(path.join(root, s))))
if (sources > stamp) execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' })

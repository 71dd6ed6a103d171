// Builds everything `npm start`, `spikelab serve` and the tests run: the Node side (tsc → out/),
// the sandboxed preload (one self-contained CommonJS file, as Electron's sandbox requires), and the
// renderer (Vite → out/renderer). Writes out/.build-stamp last, so a half-finished build is redone.
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build as esbuild } from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const out = path.join(root, 'out')
const bin = (name) => path.join(root, 'node_modules', '.bin', name)
const step = (label) => process.stdout.write(`build: ${label}\n`)
const run = (label, file, args) => {
  try {
    execFileSync(file, args, { cwd: root, stdio: 'inherit' })
  } catch {
    process.stderr.write(`build failed: ${label} (see the messages above)\n`)
    process.exit(1)
  }
}

rmSync(path.join(out, '.build-stamp'), { force: true })
mkdirSync(out, { recursive: true })

step('main, native-bridge, common (tsc)')
run('tsc', bin('tsc'), ['-p', 'tsconfig.build.json'])
writeFileSync(path.join(out, 'package.json'), JSON.stringify({ type: 'module' }))

step('preload (esbuild, CommonJS bundle)')
await esbuild({
  entryPoints: [path.join(root, 'main/electron/preload.ts')],
  outfile: path.join(out, 'preload/preload.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'chrome140',
  external: ['electron'],
  logLevel: 'warning',
})

step('renderer (vite)')
run('vite', bin('vite'), ['build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'])

writeFileSync(path.join(out, '.build-stamp'), new Date().toISOString() + '\n')
step('done')

// `npm start`: build if needed, then open the desktop app. Where the Electron binary is missing and
// cannot be downloaded (offline build machines), say so in one paragraph and serve the same app to
// a browser instead.
import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { findElectronBinary } from './electron-binary.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const build = spawnSync(process.execPath, [path.join(root, 'scripts/ensure-build.mjs')], { cwd: root, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)

let electron = findElectronBinary(root)
if (!electron && !process.env.SPIKELAB_NO_ELECTRON_DOWNLOAD) {
  // electron ≥ 40 fetches its binary on first use; try once, quietly, with a time limit.
  const install = spawnSync(process.execPath, [path.join(root, 'node_modules/electron/install.js')], {
    cwd: root,
    stdio: 'ignore',
    timeout: 120_000,
  })
  if (install.status === 0) electron = findElectronBinary(root)
}

if (electron) {
  const child = spawn(electron, [root], { cwd: root, stdio: 'inherit' })
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)))
} else {
  process.stdout.write(
    [
      '',
      'Spikelab cannot open its desktop window here: the Electron binary is not installed and could not be',
      'downloaded (this machine cannot reach Electron\'s download server). Everything else works without it —',
      'the same app runs in your browser: `npx spikelab serve` starts the lab on http://127.0.0.1:5317/ (add',
      '`--port N` to choose the port); open that address in Chromium, Chrome or Firefox. To get the desktop',
      'window later, run `npx install-electron` on a machine with internet access, or set',
      'ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45.',
      '',
      'Starting `spikelab serve` for you now (Ctrl+C stops it):',
      '',
    ].join('\n'),
  )
  const child = spawn(process.execPath, [path.join(root, 'bin/spikelab.js'), 'serve', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 0))
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
}

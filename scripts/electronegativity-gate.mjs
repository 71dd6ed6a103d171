// Security gate: Electronegativity over the Electron shell and the renderer, through its
// programmatic API (its CLI exits 0 even with HIGH findings). Any finding fails the gate.
// The scanned files are staged into one folder with the package.json that names the Electron version.
// usage: node scripts/electronegativity-gate.mjs [--input DIR]   (DIR: scan that folder instead)
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const run = require('@doyensec/electronegativity')

const electronVersion = JSON.parse(readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')).version
const inputArg = process.argv.indexOf('--input')
const explicitInput = inputArg > 0 ? path.resolve(process.argv[inputArg + 1]) : null
const stage = explicitInput ?? mkdtempSync(path.join(os.tmpdir(), 'spikelab-electronegativity-'))
// The built page (its CSP carries the entry script's hash), the renderer's sources and the shell.
const parts = [['main/electron', 'main/electron'], ['renderer/src', 'renderer/src'], ['out/renderer/index.html', 'renderer/index.html']]
if (!explicitInput) {
  for (const [from, to] of parts) cpSync(path.join(root, from), path.join(stage, to), { recursive: true })
  writeFileSync(path.join(stage, 'package.json'), JSON.stringify({ name: 'spikelab', devDependencies: { electron: electronVersion } }))
}

try {
  const { issues, errors } = await run({
    input: stage,
    isRelative: true,
    parserPlugins: [],
    electronVersionOverride: electronVersion,
    // AvailableSecurityFixesGlobalCheck fetches Electron's release list from the network, and
    // ElectronVersionJSONCheck only reports the version it read (informational, not a weakness).
    excludeFromScan: ['AvailableSecurityFixesGlobalCheck', 'ElectronVersionJSONCheck'],
  })
  for (const i of issues) {
    console.log(`${i.id} ${i.severity.name}${i.manualReview ? ' (manual review)' : ''} ${i.file}:${i.location?.line ?? 0} ${i.description}`)
  }
  const fatal = errors.filter((e) => !e.tolerable)
  for (const e of fatal) console.log(`parse error: ${e.file}: ${e.message}`)
  console.log(`electronegativity: electron ${electronVersion}, ${issues.length} finding(s), ${fatal.length} parse error(s)`)
  process.exitCode = issues.length > 0 || fatal.length > 0 ? 1 : 0
} finally {
  if (!explicitInput) rmSync(stage, { recursive: true, force: true })
}

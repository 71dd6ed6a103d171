// `npm run bench`: runs every bench/*.bench.ts in its own Node process (TypeScript through tsx),
// one after another so they do not compete for the two cores, and prints their figures.
// `npm run bench -- events snn` runs only the named ones.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const only = process.argv.slice(2)
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.bench\.ts$/, '')))
  .sort()

if (benches.length === 0) {
  console.error(`bench: nothing to run${only.length ? ` (asked for: ${only.join(', ')})` : ''}`)
  process.exit(2)
}

let failed = 0
for (const file of benches) {
  console.log(`\n=== ${file} (${new Date().toISOString()})`)
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', path.join(here, file)], { stdio: 'inherit', cwd: path.resolve(here, '..') })
  if (res.status !== 0) {
    failed++
    console.log(`=== ${file} failed (exit ${res.status ?? res.signal})`)
  }
}
process.exitCode = failed ? 1 : 0

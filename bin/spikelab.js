#!/usr/bin/env node
// The `spikelab` command. It runs the compiled CLI in out/; in a fresh checkout, build first.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = new URL('../out/main/cli/main.js', import.meta.url)
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write("spikelab: this checkout is not built yet. Run 'npm run build' (or 'npm install' then 'npm start').\n")
  process.exit(1)
}
const { main } = await import(entry.href)
await main()

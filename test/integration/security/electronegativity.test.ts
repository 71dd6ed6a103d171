import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../../support/fixtures.js'

const gate = (args: string[] = []) =>
  spawnSync(process.execPath, [path.join(repoRoot, 'scripts/electronegativity-gate.mjs'), ...args], { encoding: 'utf8', timeout: 120_000 })

describe('Electronegativity security gate', () => {
  it('finds nothing in the Electron shell, the renderer and the built page', () => {
    const res = gate()
    expect(res.stdout).toMatch(/0 finding\(s\), 0 parse error\(s\)/)
    expect(res.status).toBe(0)
  })

  it('fails on an insecure window (the gate can fail)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-insecure-'))
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ devDependencies: { electron: '45.5.0' } }))
    writeFileSync(
      path.join(dir, 'main.js'),
      "const { BrowserWindow } = require('electron')\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } })\n",
    )
    const res = gate(['--input', dir])
    expect(res.status).toBe(1)
    expect(res.stdout).toContain('SANDBOX_JS_CHECK')
    expect(res.stdout).toContain('CONTEXT_ISOLATION_JS_CHECK')
  })
})

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../../support/fixtures.js'

// electron-builder's own loader and JSON-schema validation (app-builder-lib/scheme.json), offline.
const require = createRequire(import.meta.url)
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(dir: string, file: string | null, extra: null): Promise<Record<string, unknown>>
  validateConfiguration(config: unknown, logger: unknown): Promise<void>
}
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown }

async function validate(dir: string, file: string) {
  const config = await getConfig(dir, file, null)
  await validateConfiguration(config, new DebugLogger(false))
  return config
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's JSON schema", async () => {
    await expect(validate(repoRoot, 'electron-builder.yml')).resolves.toBeTruthy()
  })

  it('the schema check is real: a misspelt key fails it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-eb-'))
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0' }))
    const broken = readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8').replace('category: Science', 'categroy: Science')
    writeFileSync(path.join(dir, 'electron-builder.yml'), broken)
    await expect(validate(dir, 'electron-builder.yml')).rejects.toThrow(/categroy|linux/)
  })

  it('has the release settings: hardened fuses, no native rebuild, the targets of every OS, file associations', async () => {
    const config = (await getConfig(repoRoot, 'electron-builder.yml', null)) as {
      npmRebuild: boolean
      asar: boolean
      electronFuses: Record<string, boolean>
      linux: { target: string[] }
      win: { target: string[] }
      mac: { target: string[] }
      fileAssociations: Array<{ ext: string }>
    }
    expect(config.npmRebuild).toBe(false)
    expect(config.asar).toBe(true)
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    })
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.win.target).toEqual(['nsis'])
    expect(config.mac.target).toEqual(['dmg'])
    expect(config.fileAssociations.map((a) => a.ext).sort()).toEqual(['aedat', 'aedat4', 'dat', 'raw'])
  })

  it('every package named in asarUnpack is installed (the globs match something)', async () => {
    const config = (await getConfig(repoRoot, 'electron-builder.yml', null)) as { asarUnpack: string[] }
    const packages = config.asarUnpack
      .map((glob) => /\*\*\/node_modules\/((?:@[^/]+\/)?[^/*]+)\//.exec(glob)?.[1])
      .filter((p): p is string => p !== undefined)
    expect(packages.length).toBeGreaterThan(0)
    for (const pkg of packages) expect(existsSync(path.join(repoRoot, 'node_modules', pkg)), pkg).toBe(true)
  })
})

import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { _electron as electron } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { findElectronBinary } from '../../scripts/electron-binary.mjs'
import { repoRoot } from '../support/fixtures.js'
import { screenshotPath } from '../support/chromium.js'

// Tier 4: the real desktop app. Runs only where the Electron binary exists (users' workstations,
// CI machines with Electron); elsewhere the suite is skipped and says why.
const binary = findElectronBinary(repoRoot)
const reason = 'skipped: the Electron binary is not installed on this machine (it cannot be downloaded here)'
if (!binary) console.info(`Electron app tier ${reason}`)

describe.skipIf(!binary)(`the Electron app${binary ? '' : ` (${reason})`}`, () => {
  it('opens one sandboxed window on app://lab that exposes only window.lab and lists the simulated devices', async () => {
    const app = await electron.launch({
      executablePath: binary!,
      args: [repoRoot, '--no-sandbox'],
      env: { ...process.env, SPIKELAB_LAB_FOLDER: mkdtempSync(path.join(os.tmpdir(), 'spikelab-electron-')) },
    })
    try {
      const page = await app.firstWindow()
      expect(page.url()).toBe('app://lab/')
      await expect.poll(() => page.locator('[data-device-id="sim:edvs"]').count(), { timeout: 20_000 }).toBe(1)
      // Runs in the page; globalThis is its window.
      const surface = await page.evaluate(() => {
        const w = globalThis as unknown as Record<string, unknown>
        return { lab: typeof w.lab, require: typeof w.require, process: typeof w.process }
      })
      expect(surface).toEqual({ lab: 'object', require: 'undefined', process: 'undefined' })
      await page.screenshot({ path: screenshotPath('electron-devices.png') })
    } finally {
      await app.close()
    }
  })
})

import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, screenshotPath } from '../support/chromium.js'
import { repoRoot } from '../support/fixtures.js'
import { startHostProcess, type HostProcess } from '../support/host-process.js'
import { countPixelsUnlike } from '../support/pixels.js'

describe('the Analysis view: a synthetic retina file classified in Chromium', () => {
  let host: HostProcess
  let browser: Browser
  let page: Page
  const nwb = path.join(mkdtempSync(path.join(os.tmpdir(), 'spikelab-e2e-retina-')), 'easy.nwb')

  beforeAll(async () => {
    // The easy benchmark setting (4 types × 8 cells, j = 0.1, R = 100, seed 1), written by the CLI.
    const made = spawnSync(process.execPath, [path.join(repoRoot, 'bin/spikelab.js'), 'synth', 'retina', '--out', nwb], { encoding: 'utf8' })
    if (made.status !== 0) throw new Error(made.stderr)
    host = await startHostProcess()
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    await page.goto(`${host.url}#/analysis`)
  })
  afterAll(async () => {
    await browser?.close()
    await host?.stop()
  })

  it('opens the file and shows per-unit statistics', async () => {
    await page.getByTestId('spike-path').fill(nwb)
    await page.getByTestId('open-spikes').click()
    await expect.poll(() => page.getByTestId('spike-summary').innerText()).toMatch(/nwb · 32 units · 100 trials · 131,086 spikes/)
    expect(await page.locator('[data-testid="unit-stats"] tbody tr').count()).toBe(32)
  })

  it('classifies: K = 4 at the merge-cost jump, each cluster one true type, and a drawn dendrogram', async () => {
    await page.getByTestId('classify').click()
    await expect.poll(() => page.getByTestId('chosen-k').innerText(), { timeout: 60_000 }).toBe('K = 4')
    const rows = page.locator('[data-testid="clusters"] tbody tr')
    expect(await rows.count()).toBe(4)
    for (const text of await rows.locator('td:nth-child(3)').allInnerTexts()) {
      const types = new Set([...text.matchAll(/\(([^)]+)\)/g)].map((m) => m[1]))
      expect(types.size).toBe(1)
    }
    const box = (await page.getByTestId('dendrogram').boundingBox())!
    const png = await page.screenshot({ clip: box })
    // The canvas is transparent over the page: its top-left pixel is the page background.
    const image = PNG.sync.read(png)
    const background = [image.data[0], image.data[1], image.data[2]] as const
    expect(countPixelsUnlike(png, background)).toBeGreaterThan(300)
    await page.screenshot({ path: screenshotPath('analysis.png'), fullPage: true })
  })
})

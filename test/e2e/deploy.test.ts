import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { INPUT_SOURCE, encodeModelBlob, sha256, toHex, withComputedSelfTest } from '../../native-bridge/engine/index.js'
import type { Rp1Model } from '../../native-bridge/engine/index.js'
import { demoBarPositionModel } from '../../main/lab/board/demo-model.js'
import { screenshotPath } from '../support/chromium.js'
import { openLabPage, type LabPage } from '../support/lab-page.js'
import { litPixelsOf } from '../support/pixels.js'

const BACKGROUND = [20, 22, 26] as const

/**
 * The built-in bar-position model plus a wide second layer that does not feed the outputs: the
 * same output spikes, but ~190 KB to send, so the transfer lasts long enough to watch its progress.
 */
function wideModel(): Rp1Model {
  const base = demoBarPositionModel()
  const n = 3000
  const model: Rp1Model = {
    ...base,
    uuid: new TextEncoder().encode('spikelab-e2e-wid'),
    layers: [
      ...base.layers,
      {
        nNeurons: n, sources: [INPUT_SOURCE], wShift: [0], decayKind: 1, resetKind: 1,
        weights: [{ format: 'dense', rows: n, cols: base.nInputs, values: Int8Array.from({ length: n * base.nInputs }, (_, i) => (i * 37) % 11) }],
        threshold: new Int16Array(n).fill(30000), bias: new Int16Array(n), leakShift: new Uint8Array(n).fill(4), refractory: new Uint8Array(n),
      },
    ],
    metadata: JSON.stringify({ name: 'wide demo', labels: JSON.parse(base.metadata!).labels }),
  }
  return withComputedSelfTest(model, base.selfTest!.nTicks, base.selfTest!.tUs, base.selfTest!.addr)
}

describe('Deploy: the simulated board in Devices, deploy with progress, confirm, run on the simulated sensor', () => {
  let lab: LabPage
  let page: Page
  const blob = encodeModelBlob(wideModel())
  let blobFile: string

  beforeAll(async () => {
    lab = await openLabPage('devices', { width: 1280, height: 1500 })
    page = lab.page
    mkdirSync(path.join(lab.host.labFolder, 'models'), { recursive: true })
    blobFile = path.join(lab.host.labFolder, 'models', 'wide-demo.blob')
    writeFileSync(blobFile, blob)
  })
  afterAll(() => lab?.close())

  it('Devices shows the simulated board’s CAPS once connected', async () => {
    await expect.poll(() => page.getByTestId('board-state').innerText()).toBe('disconnected')
    await page.getByTestId('connect-sim-board').click()
    await expect.poll(() => page.getByTestId('board-state').innerText()).toBe('connected')
    // RP1 limits (board-link §16.1) and the simulator's identity.
    expect(await page.getByTestId('board-firmware').innerText()).toBe('spikelab-sim 1.0')
    expect(await page.getByTestId('board-max-neurons').innerText()).toBe('4,096')
    expect(await page.getByTestId('board-caps').innerText()).toContain('2 × 2.0 MiB')
    expect(await page.getByTestId('board-active-sha').innerText()).toBe('—')
    await expect.poll(async () => page.getByTestId('board-heartbeat').innerText()).toMatch(/^\d+ ms$/)
    await page.getByTestId('board-panel').screenshot({ path: screenshotPath('devices-board.png') })
  })

  it('deploys a model file with a progress bar (bytes, rate, ETA), then CONFIRM from the view', async () => {
    await page.locator('[data-nav="deploy"]').click()
    await expect.poll(() => page.getByTestId('deploy-board-state').innerText()).toBe('connected')
    await expect.poll(() => page.locator(`[data-testid="model-select"] option[value="file:${blobFile}"]`).count()).toBe(1)
    await page.getByTestId('model-select').selectOption(`file:${blobFile}`)
    await page.getByTestId('compile').click()
    await expect.poll(() => page.getByTestId('capacity').innerText()).toContain('Fits spikelab-sim-rp1')
    expect(await page.getByTestId('compile-report').innerText()).toContain(`${3008} neurons`)

    await page.getByTestId('confirm-manual').check()
    await page.getByTestId('deploy').click()
    // Watch the bar: at least one sample part-way, with bytes and a rate.
    const seen: string[] = []
    const t0 = Date.now()
    while (Date.now() - t0 < 60_000) {
      const state = await page.getByTestId('deploy-job-state').innerText().catch(() => '')
      const text = await page.getByTestId('deploy-progress-text').innerText().catch(() => '')
      seen.push(text)
      if (state === 'done' || state === 'failed') break
      await page.waitForTimeout(50)
    }
    expect(await page.getByTestId('deploy-job-state').innerText()).toBe('done')
    const partial = seen.filter((s) => /sending · [\d.]+ KiB of [\d.]+ KiB · [\d.]+ (KiB|B)\/s/.test(s) && !s.startsWith('sending · 0 B'))
    expect(partial.length, seen.join('\n')).toBeGreaterThan(0)
    const value = Number(await page.getByTestId('deploy-progress').getAttribute('value'))
    expect(value).toBe(blob.length)

    // TEST activation: the view offers CONFIRM with the time left.
    await expect.poll(() => page.getByTestId('pending-confirm').isVisible()).toBe(true)
    expect(Number((await page.getByTestId('pending-seconds').innerText()).replace(/\D/g, ''))).toBeGreaterThan(30)
    await page.getByTestId('confirm').click()
    await expect.poll(() => page.getByTestId('pending-confirm').count()).toBe(0)
    const row = page.locator('[data-testid="deploy-history"] tbody tr').first()
    await expect.poll(() => row.getAttribute('data-result')).toBe('confirmed')
    expect(await row.innerText()).toContain(toHex(sha256(blob)).slice(0, 12))
  })

  it('runs the model on the simulated sensor: output spikes in the raster (pixels) and the decoded label', async () => {
    expect(await litPixelsOf(page, 'board-raster', BACKGROUND)).toBe(0)
    await page.getByTestId('deploy-connect-sim-sensor').click()
    await expect.poll(() => page.getByTestId('run-board').isEnabled()).toBe(true)
    await page.getByTestId('run-board').click()
    await expect.poll(async () => litPixelsOf(page, 'board-raster', BACKGROUND)).toBeGreaterThan(100)
    // The bar sweeps the sensor: the winning output names a column band.
    await expect.poll(() => page.getByTestId('board-label').innerText()).toMatch(/^x \d+–\d+$/)
    await expect.poll(() => page.getByTestId('run-info').innerText()).toMatch(/[\d,]+ events sent · [\d,]+ spikes/)
    await page.waitForTimeout(2500) // let the strip fill a few seconds for the screenshot
    await page.screenshot({ path: screenshotPath('deploy.png'), fullPage: true })
    await page.getByTestId('stop-board').click()
    await expect.poll(() => page.getByTestId('run-board').count()).toBe(1)
  })
})

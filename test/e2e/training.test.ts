import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PNG } from 'pngjs'
import { screenshotPath } from '../support/chromium.js'
import { openLabPage, type LabPage } from '../support/lab-page.js'

describe('the Training view in Chromium', () => {
  let lab: LabPage
  let page: Page

  beforeAll(async () => {
    lab = await openLabPage('training', { width: 1280, height: 900 })
    page = lab.page
  })
  afterAll(() => lab?.close())

  it('runs a small training job to the end; the run shows its backend, epochs and test accuracy; the status bar names the backend', async () => {
    const set = async (field: string, value: string) => page.locator(`[data-field="${field}"]`).fill(value)
    await set('hidden', '32')
    await set('epochs', '2')
    await set('steps', '8')
    await set('batchSize', '50')
    await set('learningRate', '0.005')
    await set('trainCount', '500')
    await set('testCount', '200')
    await page.getByTestId('start-training').click()
    const row = page.locator('[data-testid="runs"] tbody tr').first()
    await expect.poll(() => row.getAttribute('data-run-state'), { timeout: 120_000 }).toBe('done')
    expect(await row.innerText()).toMatch(/2 epoch\(s\)/)
    const accuracy = Number((await row.locator('[data-col="test-accuracy"]').innerText()).replace(/[^0-9.]/g, ''))
    expect(accuracy).toBeGreaterThan(20) // chance is 10 %
    await expect.poll(() => page.getByTestId('compute-backend').innerText()).toMatch(/Training backend: (wasm|cpu|tensorflow)/)
    await page.screenshot({ path: screenshotPath('training.png') })
  })

  it('inspects the finished run: a confusion matrix over the 200 test digits and layer rasters drawn on canvas', async () => {
    await page.getByTestId('inspect-run').click()
    const matrix = page.getByTestId('confusion-matrix')
    await matrix.waitFor({ timeout: 60_000 })
    const cells = await matrix.locator('tbody td').allInnerTexts()
    expect(cells).toHaveLength(100)
    expect(cells.reduce((a, c) => a + (Number(c) || 0), 0)).toBe(200)
    // the hidden layer's raster: as many spike marks as the caption counts, so lit pixels iff spikes
    const raster = page.locator('[data-layer="hidden 1"]')
    const caption = await page.locator('figure', { has: raster }).locator('figcaption').innerText()
    const spikes = Number(/(\d+) spikes/.exec(caption)?.[1])
    expect(spikes).toBeGreaterThan(0)
    const image = PNG.sync.read(await raster.screenshot())
    // the canvas background is its most common colour; spike marks are the accent colour
    const counts = new Map<number, number>()
    for (let i = 0; i < image.data.length; i += 4) {
      const key = (image.data[i] << 16) | (image.data[i + 1] << 8) | image.data[i + 2]
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    const background = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0]
    const bg = [background >> 16, (background >> 8) & 255, background & 255]
    let lit = 0
    for (let i = 0; i < image.data.length; i += 4) if (bg.some((v, c) => Math.abs(image.data[i + c] - v) > 40)) lit++
    // 32 neurons × 8 steps on 320 × 160: each mark is 39 × 5 px; marks never overlap
    expect(lit).toBeGreaterThanOrEqual(spikes * 100)
    await page.getByTestId('inspection').screenshot({ path: screenshotPath('training-inspection.png') })
  })
})

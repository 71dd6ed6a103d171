import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
})

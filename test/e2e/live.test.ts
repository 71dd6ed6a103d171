import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { screenshotPath } from '../support/chromium.js'
import { openLabPage, type LabPage } from '../support/lab-page.js'
import { litPixelsOf } from '../support/pixels.js'

const BACKGROUND = [20, 22, 26] as const

const litPixels = (page: Page, testId: string) => litPixelsOf(page, testId, BACKGROUND)

describe('the Live view with the simulated eDVS', () => {
  let lab: LabPage
  let page: Page

  beforeAll(async () => {
    lab = await openLabPage('live', { width: 1280, height: 900 })
    page = lab.page
  })
  afterAll(() => lab?.close())

  it('before connecting, the event frame is empty', async () => {
    await expect.poll(() => page.getByTestId('sensor-state').innerText()).toBe('disconnected')
    expect(await litPixels(page, 'event-frame')).toBe(0)
  })

  it('connecting draws events in the frame and the raster (pixels, not DOM) and reports the rate', async () => {
    await page.getByTestId('connect-sim').click()
    await expect.poll(() => page.getByTestId('sensor-state').innerText()).toBe('streaming')
    await expect.poll(async () => litPixels(page, 'event-frame')).toBeGreaterThan(500)
    await expect.poll(async () => litPixels(page, 'raster')).toBeGreaterThan(500)
    // Offered 200 k events/s by default.
    await expect.poll(async () => Number((await page.getByTestId('rate').innerText()).replace(/[^0-9]/g, ''))).toBeGreaterThan(50_000)
    await page.screenshot({ path: screenshotPath('live.png') })
  })

  it('raster: rows sortable by rate and first spike, zoom in time with the buttons', async () => {
    await page.getByTestId('raster-sort').selectOption('rate')
    await expect.poll(async () => litPixels(page, 'raster')).toBeGreaterThan(500)
    await page.getByTestId('raster-sort').selectOption('first-spike')
    await expect.poll(async () => litPixels(page, 'raster')).toBeGreaterThan(500)
    await page.getByTestId('zoom-in').click()
    await expect.poll(() => page.locator('.raster-caption').innerText()).toContain('5 ms/column, 3.0 s shown')
    await page.getByTestId('zoom-out').click()
    await expect.poll(() => page.locator('.raster-caption').innerText()).toContain('10 ms/column, 6.0 s shown')
    await page.getByTestId('raster-sort').selectOption('address')
  })

  it('Freeze holds the frame still (pixels unchanged) while events keep arriving; Resume goes on', async () => {
    const framePng = async () => page.screenshot({ clip: (await page.getByTestId('event-frame').boundingBox())! })
    await page.getByTestId('freeze').click()
    await expect.poll(() => page.getByTestId('frozen-at').isVisible()).toBe(true)
    const a = await framePng()
    await page.waitForTimeout(500)
    expect((await framePng()).equals(a)).toBe(true)
    await page.getByTestId('freeze').click()
    await expect.poll(() => page.getByTestId('frozen-at').count()).toBe(0)
    await expect.poll(async () => (await framePng()).equals(a)).toBe(false)
  })

  it('disconnecting stops the stream and the frame fades to the background', async () => {
    await page.getByTestId('disconnect').click()
    await expect.poll(() => page.getByTestId('sensor-state').innerText()).toBe('disconnected')
    await expect.poll(async () => litPixels(page, 'event-frame')).toBe(0)
  })
})

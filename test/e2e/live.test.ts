import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, screenshotPath } from '../support/chromium.js'
import { startHostProcess, type HostProcess } from '../support/host-process.js'
import { countPixelsUnlike } from '../support/pixels.js'

const BACKGROUND = [20, 22, 26] as const

/** Lit pixels inside a canvas (its border excluded), from a real screenshot of the page. */
async function litPixels(page: Page, testId: string): Promise<number> {
  const box = await page.getByTestId(testId).boundingBox()
  if (!box) throw new Error(`${testId} is not visible`)
  const png = await page.screenshot({ clip: { x: box.x + 2, y: box.y + 2, width: box.width - 4, height: box.height - 4 } })
  return countPixelsUnlike(png, BACKGROUND)
}

describe('the Live view with the simulated eDVS', () => {
  let host: HostProcess
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    host = await startHostProcess()
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${host.url}#/live`)
  })
  afterAll(async () => {
    await browser?.close()
    await host?.stop()
  })

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

  it('disconnecting stops the stream and the frame fades to the background', async () => {
    await page.getByTestId('disconnect').click()
    await expect.poll(() => page.getByTestId('sensor-state').innerText()).toBe('disconnected')
    await expect.poll(async () => litPixels(page, 'event-frame')).toBe(0)
  })
})

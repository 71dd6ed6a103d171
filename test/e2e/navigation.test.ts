import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, screenshotPath } from '../support/chromium.js'
import { startHostProcess, type HostProcess } from '../support/host-process.js'

describe('the real renderer in Chromium against spikelab serve', () => {
  let host: HostProcess
  let browser: Browser
  let page: Page
  const consoleErrors: string[] = []

  beforeAll(async () => {
    host = await startHostProcess()
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text())
    })
    page.on('pageerror', (e) => consoleErrors.push(e.message))
  })

  afterAll(async () => {
    await browser?.close()
    await host?.stop()
  })

  it('opens on the Devices view with both simulated devices listed and a live connection', async () => {
    await page.goto(host.url)
    const view = page.getByTestId('devices-view')
    await expect.poll(() => view.isVisible()).toBe(true)
    const simulated = page.getByTestId('simulated-devices')
    await expect.poll(() => simulated.locator('tbody tr').count()).toBe(2)
    expect(await simulated.locator('[data-device-id="sim:edvs"]').innerText()).toContain('Simulated eDVS')
    expect(await simulated.locator('[data-device-id="sim:board"]').innerText()).toContain('Simulated board')
    await expect.poll(() => page.getByTestId('connection-state').innerText()).toBe('Connected (host)')
    // Serial ports: either a table of ports or the plain "none found" sentence, never an empty page.
    const portsShown = (await page.getByTestId('serial-ports').count()) + (await page.getByTestId('no-ports').count())
    expect(portsShown).toBe(1)
    await page.screenshot({ path: screenshotPath('devices.png') })
  })

  it('refreshes the port list from the main side', async () => {
    const before = await page.locator('.small').innerText()
    await page.waitForTimeout(1100) // the "Listed" time has one-second resolution
    await page.getByTestId('refresh-devices').click()
    await expect.poll(() => page.locator('.small').innerText()).not.toBe(before)
  })

  it('clicks through every section; each opens its view and its address', async () => {
    for (const id of ['live', 'recordings', 'training', 'deploy', 'analysis']) {
      await page.locator(`[data-nav="${id}"]`).click()
      await expect.poll(() => page.getByTestId(`${id}-view`).isVisible()).toBe(true)
      expect(page.url()).toContain(`#/${id}`)
    }
    await page.locator('[data-nav="devices"]').click()
    await expect.poll(() => page.getByTestId('devices-view').isVisible()).toBe(true)
  })

  it('switches to the dark theme and remembers it after a reload', async () => {
    await page.getByTestId('theme').selectOption('dark')
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark')
    await page.reload()
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark')
    expect(await page.getByTestId('theme').inputValue()).toBe('dark')
    await page.screenshot({ path: screenshotPath('devices-dark.png') })
    await page.getByTestId('theme').selectOption('system')
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBeNull()
  })

  it('ran without console errors (the CSP allowed everything the app needs)', () => {
    expect(consoleErrors).toEqual([])
  })
})

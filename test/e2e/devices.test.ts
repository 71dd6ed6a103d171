// The Devices view's sensor part in Chromium against `spikelab serve`: connect with settings,
// whitelisted biases and LED, live health that turns red when the link is lost and recovers.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { screenshotPath } from '../support/chromium.js'
import { openLabPage, type LabPage } from '../support/lab-page.js'
import { startSimEdvsProcess, unplug } from '../support/sim-process.js'

const num = async (page: Page, testId: string) => Number((await page.getByTestId(testId).innerText()).replace(/[^0-9]/g, ''))

/** The health box's left border colour, as the browser computed it. */
const healthColour = (page: Page) => page.getByTestId('sensor-health').evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).borderLeftColor)
/** A CSS custom property of the page (theme colours). */
const themeColour = (page: Page, name: string) =>
  page.locator('body').evaluate((body, n) => {
    const probe = body.ownerDocument.createElement('div')
    probe.style.color = `var(${n})`
    body.append(probe)
    const c = body.ownerDocument.defaultView!.getComputedStyle(probe).color
    probe.remove()
    return c
  }, name)

describe('Devices: the sensor', () => {
  let lab: LabPage
  let page: Page
  const sims: ChildProcess[] = []
  const link = path.join(mkdtempSync(path.join(os.tmpdir(), 'spikelab-e2e-devices-')), 'ttyEDVS')

  beforeAll(async () => {
    lab = await openLabPage('devices', { width: 1280, height: 1100 })
    page = lab.page
  })
  afterAll(async () => {
    for (const s of sims) unplug(s)
    await lab?.close()
  })

  it('connects the simulated eDVS with the chosen event format; health shows rate and a fresh heartbeat', async () => {
    await expect.poll(() => page.getByTestId('devices-sensor-state').innerText()).toBe('disconnected')
    await page.getByTestId('sensor-format').selectOption({ label: '!E3 · 5 B, 24-bit timestamp' })
    await page.getByTestId('sensor-rate').selectOption('100000')
    await page.getByTestId('sensor-connect').click()
    await expect.poll(() => page.getByTestId('devices-sensor-state').innerText()).toBe('streaming')
    expect(await page.getByTestId('sensor-health').innerText()).toContain('!E3')
    // 100 k events/s offered; bounds allow a loaded machine.
    await expect.poll(() => num(page, 'health-rate')).toBeGreaterThan(30_000)
    expect(await num(page, 'health-rate')).toBeLessThan(150_000)
    await expect.poll(() => page.getByTestId('health-heartbeat').innerText()).toMatch(/^\d+ ms$/)
    expect(await healthColour(page)).toBe(await themeColour(page, '--ok'))
  })

  it('sends whitelisted biases and the LED; an out-of-range bias is refused before anything is sent', async () => {
    await page.getByTestId('bias-4').fill('150')
    await page.getByTestId('apply-biases').click()
    await expect.poll(() => page.getByTestId('configure-ok').innerText()).toBe('Biases sent (then !BF).')
    await page.getByTestId('sensor-led').selectOption('blink')
    await page.getByTestId('apply-led').click()
    await expect.poll(() => page.getByTestId('configure-ok').innerText()).toBe('LED blink.')
    await page.getByTestId('bias-4').fill('16777216') // 2^24: one above the 24-bit maximum
    expect(await page.getByTestId('apply-biases').isDisabled()).toBe(true)
    await page.getByTestId('bias-4').fill('132')
    expect(await page.getByTestId('apply-biases').isDisabled()).toBe(false)
    await page.screenshot({ path: screenshotPath('devices-sensor.png'), fullPage: true })
  })

  it('offers to reconnect when format or orientation change while connected, then disconnects', async () => {
    expect(await page.getByTestId('sensor-reconnect').count()).toBe(0)
    await page.getByTestId('swap-xy').check()
    await expect.poll(() => page.getByTestId('sensor-reconnect').count()).toBe(1)
    await page.getByTestId('sensor-reconnect').click()
    await expect.poll(() => page.getByTestId('sensor-reconnect').count()).toBe(0)
    await expect.poll(() => page.getByTestId('devices-sensor-state').innerText()).toBe('streaming')
    await page.getByTestId('swap-xy').uncheck()
    await page.getByTestId('sensor-disconnect').click()
    await expect.poll(() => page.getByTestId('devices-sensor-state').innerText()).toBe('disconnected')
  })

  it('a serial eDVS: unplugging turns the health red (lost), plugging back recovers to green', async () => {
    sims.push(await startSimEdvsProcess(link))
    await page.getByTestId('sensor-device').selectOption('other')
    await page.getByTestId('sensor-path').fill(link)
    await page.getByTestId('sensor-rtscts').uncheck() // a pty has no modem lines
    await page.getByTestId('sensor-format').selectOption({ label: 'Automatic (widest timestamp the firmware lists)' })
    await page.getByTestId('sensor-connect').click()
    await expect.poll(() => page.getByTestId('devices-sensor-state').innerText()).toBe('streaming')
    await expect.poll(() => num(page, 'health-rate')).toBeGreaterThan(10_000)

    unplug(sims[0])
    await expect.poll(() => page.getByTestId('sensor-health').getAttribute('data-health')).toBe('lost')
    expect(await healthColour(page)).toBe(await themeColour(page, '--bad'))
    expect(await page.getByTestId('devices-sensor-lost').isVisible()).toBe(true)
    await page.screenshot({ path: screenshotPath('devices-lost.png'), fullPage: true })

    sims.push(await startSimEdvsProcess(link))
    await expect.poll(() => page.getByTestId('sensor-health').getAttribute('data-health'), { timeout: 30_000 }).toBe('streaming')
    expect(await healthColour(page)).toBe(await themeColour(page, '--ok'))
    await expect.poll(() => page.getByTestId('health-heartbeat').innerText()).toMatch(/^\d+ ms$/)
    await page.getByTestId('sensor-disconnect').click()
    await expect.poll(() => page.getByTestId('devices-sensor-state').innerText()).toBe('disconnected')
  })
})

import type { ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, screenshotPath } from '../support/chromium.js'
import { startHostProcess, type HostProcess } from '../support/host-process.js'
import { litPixelsOf } from '../support/pixels.js'
import { startSimEdvsProcess, unplug } from '../support/sim-process.js'

const BACKGROUND = [20, 22, 26] as const

const litPixels = (page: Page, testId: string) => litPixelsOf(page, testId, BACKGROUND)

describe('sensor process on a pty → live view → recording → library; unplug and recover', () => {
  const link = path.join(mkdtempSync(path.join(os.tmpdir(), 'spikelab-e2e-pty-')), 'ttyEDVS')
  const sims: ChildProcess[] = []
  let host: HostProcess
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    sims.push(await startSimEdvsProcess(link))
    host = await startHostProcess()
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${host.url}#/live`)
  })
  afterAll(async () => {
    for (const s of sims) unplug(s)
    await browser?.close()
    await host?.stop()
  })

  it('connects to the serial sensor and draws its events', async () => {
    await page.getByTestId('port-path').fill(link)
    await page.getByTestId('rtscts').uncheck() // a pty has no modem lines
    await page.getByTestId('connect-port').click()
    await expect.poll(() => page.getByTestId('sensor-state').innerText()).toBe('streaming')
    await expect.poll(() => litPixels(page, 'event-frame')).toBeGreaterThan(500)
  })

  it('records 5 s; the recording enters the library with the event count it was written with', async () => {
    await page.getByTestId('record').click()
    await expect.poll(() => page.getByTestId('recording-info').isVisible()).toBe(true)
    await page.waitForTimeout(5000)
    await page.screenshot({ path: screenshotPath('live-recording.png') })
    await page.getByTestId('record').click()
    const saved = page.getByTestId('last-saved')
    await expect.poll(() => saved.isVisible()).toBe(true)
    const match = /Saved (\S+) \(([\d,]+) events\)/.exec(await saved.innerText())!
    const file = path.basename(match[1])
    const events = Number(match[2].replace(/,/g, ''))
    // 5 s at the simulator's 100 k events/s; generous bounds for a loaded machine.
    expect(events).toBeGreaterThan(150_000)
    expect(events).toBeLessThan(700_000)
    await page.locator('[data-nav="recordings"]').click()
    const row = page.locator(`[data-recording="${file}"]`)
    await expect.poll(() => row.count()).toBe(1)
    expect(Number((await row.locator('[data-col="events"]').innerText()).replace(/,/g, ''))).toBe(events)
    await page.locator('[data-nav="live"]').click()
  })

  it('unplugging the sensor shows the lost state; plugging it back recovers by itself', async () => {
    unplug(sims[0])
    await expect.poll(() => page.getByTestId('sensor-state').innerText()).toBe('lost')
    expect(await page.getByTestId('sensor-lost').isVisible()).toBe(true)
    await page.screenshot({ path: screenshotPath('live-lost.png') })
    sims.push(await startSimEdvsProcess(link))
    await expect.poll(() => page.getByTestId('sensor-state').innerText(), { timeout: 30_000 }).toBe('streaming')
    await expect.poll(() => litPixels(page, 'event-frame')).toBeGreaterThan(500)
    await page.getByTestId('disconnect').click()
  })
})

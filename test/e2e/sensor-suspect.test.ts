// Issue #4 in the Devices view: a serial eDVS whose process is frozen (SIGSTOP) turns the health
// amber ('suspect', the port kept open), not red, and back to green when it resumes — no loss.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { screenshotPath } from '../support/chromium.js'
import { openLabPage, type LabPage } from '../support/lab-page.js'
import { startSimEdvsProcess, unplug } from '../support/sim-process.js'

const healthColour = (page: Page) => page.getByTestId('sensor-health').evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).borderLeftColor)
const themeColour = (page: Page, name: string) =>
  page.locator('body').evaluate((body, n) => {
    const probe = body.ownerDocument.createElement('div')
    probe.style.color = `var(${n})`
    body.append(probe)
    const c = body.ownerDocument.defaultView!.getComputedStyle(probe).color
    probe.remove()
    return c
  }, name)

/** Signals the simulator's whole process group (node and its socat pty). */
const signalGroup = (child: ChildProcess, signal: NodeJS.Signals) => process.kill(-child.pid!, signal)

describe('Devices: a stalled sensor is suspect, not lost', () => {
  let lab: LabPage
  let page: Page
  const sims: ChildProcess[] = []
  const link = path.join(mkdtempSync(path.join(os.tmpdir(), 'spikelab-e2e-suspect-')), 'ttyEDVS')

  beforeAll(async () => {
    lab = await openLabPage('devices', { width: 1280, height: 1100 })
    page = lab.page
  })
  afterAll(async () => {
    for (const s of sims) {
      try {
        signalGroup(s, 'SIGCONT')
      } catch {
        // already gone
      }
      unplug(s)
    }
    await lab?.close()
  })

  it('SIGSTOP of the sensor process turns the health amber with the port kept; SIGCONT turns it green again', async () => {
    sims.push(await startSimEdvsProcess(link, 50_000))
    await page.getByTestId('sensor-device').selectOption('other')
    await page.getByTestId('sensor-path').fill(link)
    await page.getByTestId('sensor-rtscts').uncheck() // a pty has no modem lines
    await page.getByTestId('sensor-connect').click()
    await expect.poll(() => page.getByTestId('devices-sensor-state').innerText(), { timeout: 30_000 }).toBe('streaming')
    await expect.poll(() => page.getByTestId('sensor-health').getAttribute('data-health'), { timeout: 30_000 }).toBe('streaming')

    signalGroup(sims[0], 'SIGSTOP')
    // Default silence before suspect: 1 s; before lost: 10 s.
    await expect.poll(() => page.getByTestId('devices-sensor-state').innerText(), { timeout: 5000 }).toBe('suspect')
    expect(await page.getByTestId('sensor-health').getAttribute('data-health')).toBe('suspect')
    expect(await healthColour(page)).toBe(await themeColour(page, '--warn'))
    expect(await page.getByTestId('devices-sensor-suspect').isVisible()).toBe(true)
    expect(await page.getByTestId('devices-sensor-lost').count()).toBe(0)
    await page.screenshot({ path: screenshotPath('devices-suspect.png'), fullPage: true })

    signalGroup(sims[0], 'SIGCONT')
    await expect.poll(() => page.getByTestId('devices-sensor-state').innerText(), { timeout: 10_000 }).toBe('streaming')
    await expect.poll(() => page.getByTestId('sensor-health').getAttribute('data-health'), { timeout: 10_000 }).toBe('streaming')
    expect(await healthColour(page)).toBe(await themeColour(page, '--ok'))
    expect(await page.getByTestId('sensor-health').innerText()).toMatch(/Losses\s*0/)
    expect(Number(await page.getByTestId('health-suspects').innerText())).toBeGreaterThanOrEqual(1)
    await page.getByTestId('sensor-disconnect').click()
    await expect.poll(() => page.getByTestId('devices-sensor-state').innerText()).toBe('disconnected')
  })
})

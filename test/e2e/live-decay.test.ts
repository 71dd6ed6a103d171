// A decay the person changes while streaming reaches the host, which bins the live stream at the
// view's decay (live-bins.ts): after moving the slider to 20 ms, the frozen live frame must match
// playback of the recording drawn at 20 ms (same comparison and tolerance as live-playback.test.ts),
// and must not match playback drawn at Live's default of 60 ms (the control: the decay shows).
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { litCount, matchFraction, sensorGrid } from '../support/frame-grid.js'
import { freezeWithNothingDecimated, openPlayback, saveRecordingAndDisconnect } from '../support/live-freeze.js'
import { openLabPage, type LabPage } from '../support/lab-page.js'

const DECAY_MS = 20

describe('a decay changed while streaming is the decay Live draws with', () => {
  let lab: LabPage
  let page: Page
  let frozenAtUs = 0
  let liveGrid: Uint8Array
  let file = ''

  beforeAll(async () => {
    lab = await openLabPage('live', { width: 1280, height: 1000 })
    page = lab.page
  })
  afterAll(() => lab?.close())

  it('streams, moves the decay slider, records and freezes', async () => {
    await page.getByTestId('offered').selectOption('50000')
    await page.getByTestId('connect-sim').click()
    await expect.poll(() => page.getByTestId('sensor-state').innerText()).toBe('streaming')
    await page.waitForTimeout(500)
    await page.locator('.controls label', { hasText: 'Decay' }).locator('input').fill(String(DECAY_MS))
    await expect.poll(() => page.locator('.controls label', { hasText: 'Decay' }).innerText()).toContain(`Decay ${DECAY_MS} ms`)
    await page.getByTestId('record').click()
    await expect.poll(() => page.getByTestId('recording-info').isVisible()).toBe(true)
    await page.waitForTimeout(1500)
    frozenAtUs = await freezeWithNothingDecimated(page, 1000)
    liveGrid = await sensorGrid(page, 'event-frame')
    expect(litCount(liveGrid)).toBeGreaterThan(200)
    await page.waitForTimeout(500)
    file = await saveRecordingAndDisconnect(page)
  })

  it('matches playback at the new decay, not at the old one', async () => {
    const firstUs = await openPlayback(page, file)
    expect(frozenAtUs).toBeGreaterThan(firstUs + 600_000)
    await page.getByTestId('playback-window').fill('600')
    const showAt = async (endUs: number, decayMs: number) => {
      await page.getByTestId('playback-decay').fill(String(decayMs))
      await page.getByTestId('timeline').fill(String(endUs - firstUs))
      await expect.poll(() => page.getByTestId('playback-frame').getAttribute('data-drawn-end')).toBe(String(endUs))
      return sensorGrid(page, 'playback-frame')
    }
    expect(matchFraction(liveGrid, await showAt(frozenAtUs + 1, DECAY_MS))).toBeGreaterThanOrEqual(0.995)
    // One µs later (so the panel redraws) at the default decay: a visibly different frame.
    expect(matchFraction(liveGrid, await showAt(frozenAtUs + 2, 60))).toBeLessThan(0.95)
  })
})

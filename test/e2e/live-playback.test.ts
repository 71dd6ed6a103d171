// Playback draws the same frame Live drew at the same time point (issue 5, "Must show").
//
// Live is frozen while recording; the frozen frame is drawn exactly at the newest event's time T
// (the event frame decays in event time, so it is a function of the events alone). Playback of the
// recording, positioned so its window ends just after T, with the same decay and a window of ten
// decay constants, must give the same picture. Both are compared on the 128 × 128 sensor grid,
// sampled from real screenshots (the two canvases are shown at different sizes).
//
// Tolerance: a pixel matches when every channel is within 4 of 255 levels; at least 99.5 % of the
// 16 384 pixels must match. What may legitimately differ: events older than the 600 ms playback
// window (weight ≤ e^-10 each) and rounding. A control 200 ms later must NOT match (< 95 %), so the
// comparison cannot pass on any two frames of the scene.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { screenshotPath } from '../support/chromium.js'
import { litCount, matchFraction, sensorGrid } from '../support/frame-grid.js'
import { freezeWithNothingDecimated, openPlayback, saveRecordingAndDisconnect } from '../support/live-freeze.js'
import { openLabPage, type LabPage } from '../support/lab-page.js'

describe('playback draws the frame Live drew at the same time point', () => {
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

  it('records the simulated eDVS and freezes the live frame at a known event time', async () => {
    await page.getByTestId('offered').selectOption('50000')
    await page.getByTestId('connect-sim').click()
    await expect.poll(() => page.getByTestId('sensor-state').innerText()).toBe('streaming')
    await page.getByTestId('record').click()
    await expect.poll(() => page.getByTestId('recording-info').isVisible()).toBe(true)
    await page.waitForTimeout(2000)
    // nothing decimated in the 1.5 s before the freeze (the window is 0.6 s)
    frozenAtUs = await freezeWithNothingDecimated(page, 1500)
    expect(frozenAtUs).toBeGreaterThan(1_000_000)
    liveGrid = await sensorGrid(page, 'event-frame')
    expect(litCount(liveGrid)).toBeGreaterThan(300)
    await page.screenshot({ path: screenshotPath('live-frozen.png') })
    await page.waitForTimeout(1000)
    file = await saveRecordingAndDisconnect(page)
  })

  it('plays the recording back to the same time point: the frames match within the tolerance', async () => {
    const firstUs = await openPlayback(page, file)
    expect(frozenAtUs).toBeGreaterThan(firstUs + 600_000) // the window lies inside the recording

    await page.getByTestId('playback-window').fill('600')
    expect(await page.getByTestId('playback-decay').inputValue()).toBe('60') // Live's default decay
    const showAt = async (endUs: number) => {
      await page.getByTestId('timeline').fill(String(endUs - firstUs))
      await expect.poll(() => page.getByTestId('playback-frame').getAttribute('data-drawn-end')).toBe(String(endUs))
      return sensorGrid(page, 'playback-frame')
    }
    // The window is [end − 600 ms, end) and the frame is drawn at end − 1 µs = T.
    const same = await showAt(frozenAtUs + 1)
    await page.screenshot({ path: screenshotPath('playback-same-frame.png') })
    const fraction = matchFraction(liveGrid, same)
    expect(fraction).toBeGreaterThanOrEqual(0.995)

    const later = await showAt(frozenAtUs + 1 + 200_000)
    expect(matchFraction(liveGrid, later)).toBeLessThan(0.95)
  })
})

// Steps the Live-versus-playback E2E tests share: freeze Live on a frame drawn from every event,
// save the recording, and open it in playback.
import type { Page } from 'playwright-core'
import { expect } from 'vitest'

/**
 * Freezes Live while it is recording and returns the event time (µs) the frozen frame shows. A frame
 * compares fairly with playback only if Live drew every event of its window, so no events may have
 * been decimated for display in the `quietMs` before the freeze; on a loaded machine the page can lag,
 * and then it unfreezes and tries again, a few times.
 */
export async function freezeWithNothingDecimated(page: Page, quietMs: number): Promise<number> {
  const decimated = async () => Number((await page.getByTestId('decimated').innerText()).replace(/,/g, ''))
  const frozen = page.getByTestId('frozen-at')
  for (let attempt = 1; ; attempt++) {
    const before = await decimated()
    await page.waitForTimeout(quietMs)
    await page.getByTestId('freeze').click()
    await expect.poll(() => frozen.isVisible()).toBe(true)
    await page.waitForTimeout(600) // one more status push (every 0.5 s)
    if ((await decimated()) === before) break
    expect(attempt, 'events were decimated for display before every freeze').toBeLessThan(4)
    await page.getByTestId('freeze').click()
    await expect.poll(() => frozen.count()).toBe(0)
  }
  return Number(await frozen.getAttribute('data-at-us'))
}

/** Stops the recording, unfreezes and disconnects; returns the saved file's name. */
export async function saveRecordingAndDisconnect(page: Page): Promise<string> {
  await page.getByTestId('record').click()
  const saved = page.getByTestId('last-saved')
  await expect.poll(() => saved.isVisible()).toBe(true)
  const file = /Saved (\S+) /.exec(await saved.innerText())![1].split('/').pop()!
  await page.getByTestId('freeze').click()
  await page.getByTestId('disconnect').click()
  return file
}

/** Opens `file` from the recording library in playback; returns the recording's first event time (µs). */
export async function openPlayback(page: Page, file: string): Promise<number> {
  await page.locator('[data-nav="recordings"]').click()
  const row = page.locator(`[data-recording="${file}"]`)
  await expect.poll(() => row.count()).toBe(1)
  await row.getByTestId('open-playback').click()
  const panel = page.getByTestId('playback')
  await expect.poll(() => panel.isVisible()).toBe(true)
  return Number(await panel.getAttribute('data-first-us'))
}

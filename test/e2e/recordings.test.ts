import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { screenshotPath } from '../support/chromium.js'
import { openLabPage, type LabPage } from '../support/lab-page.js'
import { fixturePath } from '../support/fixtures.js'
import { countPixelsUnlike } from '../support/pixels.js'
import { openEventFile } from '../../main/events/index.js'

describe('the recording library in Chromium', () => {
  let lab: LabPage
  let page: Page

  beforeAll(async () => {
    lab = await openLabPage('recordings', { width: 1280, height: 800 })
    page = lab.page
  })
  afterAll(() => lab?.close())

  it('imports a folder through the UI; the table shows each recording with the MANIFEST event count', async () => {
    await expect.poll(() => page.getByTestId('recordings-empty').isVisible()).toBe(true)
    await page.getByTestId('import-path').fill(fixturePath('events'))
    await page.getByTestId('import-start').click()
    const rows = page.locator('[data-testid="recordings-table"] tbody tr')
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(4)
    // MANIFEST: IMU_rotDisk.aedat holds 374,296 DVS events; evt2_sample.raw 539,481.
    expect(await page.locator('[data-recording="IMU_rotDisk.aedat"] [data-col="events"]').innerText()).toBe('374,296')
    expect(await page.locator('[data-recording="evt2_sample.raw"] [data-col="events"]').innerText()).toBe('539,481')
    await expect.poll(() => page.getByTestId('recordings-message').innerText()).toMatch(/Imported 4 recording\(s\); skipped 1/)
    await expect.poll(() => page.locator('[data-recording="IMU_rotDisk.aedat"] img').count()).toBe(1)
    await page.screenshot({ path: screenshotPath('recordings.png') })
  })

  it('edits tags inline and filters by search text', async () => {
    await page.locator('[data-recording="sample_ncars.dat"] .tags').click()
    await page.getByTestId('tag-editor').fill('cars, outdoor')
    await page.getByTestId('tag-editor').press('Enter')
    await expect.poll(() => page.locator('[data-recording="sample_ncars.dat"] .tag').allInnerTexts()).toEqual(['cars', 'outdoor'])
    await page.getByTestId('search').fill('outdoor')
    await expect.poll(() => page.locator('[data-testid="recordings-table"] tbody tr').count()).toBe(1)
    await page.getByTestId('search').fill('')
    await expect.poll(() => page.locator('[data-testid="recordings-table"] tbody tr').count()).toBe(4)
  })

  it('plays a recording back: the frame shows exactly the events of the window at the timeline position', async () => {
    await page.locator('[data-recording="IMU_rotDisk.aedat"] [data-testid="open-playback"]').click()
    const panel = page.getByTestId('playback')
    await expect.poll(() => panel.isVisible()).toBe(true)
    // The first 30 ms window ends 30 ms after the first event (MANIFEST §4: t0 = 341,678 µs).
    const t0 = 341_678
    let expected = 0
    for await (const b of (await openEventFile(fixturePath('events', 'IMU_rotDisk.aedat'))).batches()) {
      for (const t of b.t) if (t >= t0 && t < t0 + 30_000) expected++
    }
    await expect.poll(() => page.getByTestId('playback-time').innerText()).toContain(`${expected.toLocaleString('en-US')} events in the window`)
    const box = (await page.getByTestId('playback-frame').boundingBox())!
    expect(countPixelsUnlike(await page.screenshot({ clip: box }), [20, 22, 26])).toBeGreaterThan(100)
    await page.getByTestId('timeline').fill('1500000')
    await expect.poll(() => page.getByTestId('playback-time').innerText()).toMatch(/t = 1\.842 s \(1\.500 s of 3\.167 s\)/)
    await page.getByTestId('play').click()
    await page.waitForTimeout(600)
    await page.getByTestId('play').click()
    const after = /\((\d+\.\d+) s of/.exec(await page.getByTestId('playback-time').innerText())!
    expect(Number(after[1])).toBeGreaterThan(1.5)
    await page.screenshot({ path: screenshotPath('playback.png') })
  })

  it('shows the finished import in the jobs panel', async () => {
    await page.getByTestId('jobs-count').click()
    const panel = page.getByTestId('jobs-panel')
    await expect.poll(() => panel.locator('[data-job-state="done"]').count()).toBe(1)
    expect(await panel.innerText()).toMatch(/Import events/)
  })
})

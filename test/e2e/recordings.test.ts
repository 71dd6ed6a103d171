import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, screenshotPath } from '../support/chromium.js'
import { fixturePath } from '../support/fixtures.js'
import { startHostProcess, type HostProcess } from '../support/host-process.js'

describe('the recording library in Chromium', () => {
  let host: HostProcess
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    host = await startHostProcess()
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(`${host.url}#/recordings`)
  })
  afterAll(async () => {
    await browser?.close()
    await host?.stop()
  })

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

  it('shows the finished import in the jobs panel', async () => {
    await page.getByTestId('jobs-count').click()
    const panel = page.getByTestId('jobs-panel')
    await expect.poll(() => panel.locator('[data-job-state="done"]').count()).toBe(1)
    expect(await panel.innerText()).toMatch(/Import events/)
  })
})

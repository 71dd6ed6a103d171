import { readFileSync } from 'node:fs'
import path from 'node:path'
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

  it('playback sorts raster rows: by rate the same events are drawn on permuted rows', async () => {
    const raster = page.getByTestId('playback-raster')
    const litRows = async () => {
      const box = (await raster.boundingBox())!
      return countPixelsUnlike(await page.screenshot({ clip: box }), [20, 22, 26])
    }
    const rasterPng = async () => page.screenshot({ clip: (await raster.boundingBox())! })
    const byAddress = await litRows()
    expect(byAddress).toBeGreaterThan(1000)
    const before = await rasterPng()
    await page.getByTestId('playback-raster-sort').selectOption('rate')
    await expect.poll(async () => (await rasterPng()).equals(before)).toBe(false)
    // A permutation of rows keeps the number of lit pixels (up to the canvas scaling's row edges).
    expect(Math.abs((await litRows()) - byAddress) / byAddress).toBeLessThan(0.05)
    await page.getByTestId('playback-raster-sort').selectOption('address')
  })

  it('exports a time range to CSV with progress; the file holds exactly the events of that range', async () => {
    await page.locator('[data-recording="IMU_rotDisk.aedat"] [data-testid="open-export"]').click()
    await page.getByTestId('convert-format').selectOption('csv')
    await page.getByTestId('convert-from').fill('0.5')
    await page.getByTestId('convert-to').fill('1.25')
    const output = path.join(lab.host.labFolder, 'rotdisk-range.csv')
    await page.getByTestId('convert-output').fill(output)
    await page.getByTestId('convert-start').click()
    await expect.poll(() => page.getByTestId('convert-progress').getAttribute('data-state'), { timeout: 60_000 }).toBe('done')
    // Independent count: events in [t0 + 0.5 s, t0 + 1.25 s) of the fixture (MANIFEST §4: t0 = 341,678 µs).
    const t0 = 341_678
    let expected = 0
    for await (const b of (await openEventFile(fixturePath('events', 'IMU_rotDisk.aedat'))).batches()) {
      for (const t of b.t) if (t >= t0 + 500_000 && t < t0 + 1_250_000) expected++
    }
    const lines = readFileSync(output, 'utf8').trimEnd().split('\n')
    expect(lines[0]).toBe('t,x,y,p')
    expect(lines.length - 1).toBe(expected)
    expect(await page.getByTestId('convert-message').innerText()).toContain(`Wrote ${expected.toLocaleString('en-US')} events`)
    await page.getByTestId('convert-to').fill('0.25')
    await page.getByTestId('convert-start').click()
    expect(await page.getByTestId('convert-error').innerText()).toBe('The end must come after the start.')
    await page.screenshot({ path: screenshotPath('recordings-export.png') })
  })

  it('a drop in the browser explains that paths are hidden and points to the path box', async () => {
    // A real drag from the file manager cannot be scripted; the page gets the same events Chromium sends.
    const dragFile = (type: 'dragover' | 'drop') =>
      page.getByTestId('recordings-view').evaluate((view, kind) => {
        const win = view.ownerDocument.defaultView!
        const dt = new win.DataTransfer()
        dt.items.add(new win.File(['x'], 'dropped.aedat4'))
        view.dispatchEvent(new win.DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true }))
      }, type)
    await dragFile('dragover')
    await expect.poll(() => page.getByTestId('drop-hint').isVisible()).toBe(true)
    await dragFile('drop')
    await expect.poll(() => page.getByTestId('drop-message').innerText()).toMatch(/does not tell the lab where dropped files are \(dropped\.aedat4\)/)
    expect(await page.getByTestId('drop-hint').count()).toBe(0)
    expect(await page.getByTestId('import-path').evaluate((el) => el.ownerDocument.activeElement === el)).toBe(true)
    expect(await page.locator('[data-testid="recordings-table"] tbody tr').count()).toBe(4) // nothing imported
  })

  it('shows the finished import in the jobs panel', async () => {
    await page.getByTestId('jobs-count').click()
    const panel = page.getByTestId('jobs-panel')
    await expect.poll(() => panel.locator('[data-job-state="done"]').count()).toBe(2) // the import and the export
    expect(await panel.innerText()).toMatch(/Import events/)
    expect(await panel.innerText()).toMatch(/Convert IMU_rotDisk\.aedat to csv/)
  })
})

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, screenshotPath } from '../support/chromium.js'
import { repoRoot } from '../support/fixtures.js'
import { startHostProcess, type HostProcess } from '../support/host-process.js'
import { countPixelsUnlike } from '../support/pixels.js'

/** The Analysis view's cluster colours (renderer/src/analysis/colours.ts), clusters 0–3. */
const CLUSTER_RGB: readonly (readonly [number, number, number])[] = [
  [0x4e, 0xa1, 0xff],
  [0xff, 0x8c, 0x3c],
  [0x3f, 0xb9, 0x50],
  [0xd2, 0xa8, 0xff],
]

/** Screenshot of an element (its 1-pixel border left out). */
async function shot(page: Page, testId: string): Promise<Buffer> {
  await page.getByTestId(testId).scrollIntoViewIfNeeded()
  const box = await page.getByTestId(testId).boundingBox()
  if (!box) throw new Error(`${testId} is not visible`)
  return page.screenshot({ clip: { x: box.x + 2, y: box.y + 2, width: box.width - 4, height: box.height - 4 } })
}

/** The page background: the pixel at the top-left corner of the view, outside every canvas. */
async function pageBackground(page: Page): Promise<[number, number, number]> {
  await page.getByTestId('analysis-view').evaluate((el) => el.scrollIntoView({ block: 'start' }))
  const image = PNG.sync.read(await page.screenshot({ clip: { x: 1270, y: 5, width: 1, height: 1 } }))
  return [image.data[0], image.data[1], image.data[2]]
}

/** Pixels within `tolerance` of a colour in every channel. */
function countPixelsNear(png: Buffer, rgb: readonly [number, number, number], tolerance = 12): number {
  const image = PNG.sync.read(png)
  let n = 0
  for (let i = 0; i < image.data.length; i += 4)
    if (Math.abs(image.data[i] - rgb[0]) <= tolerance && Math.abs(image.data[i + 1] - rgb[1]) <= tolerance && Math.abs(image.data[i + 2] - rgb[2]) <= tolerance) n++
  return n
}

describe('the Analysis view: a synthetic retina file classified in Chromium, stored, exported and reopened', () => {
  let host: HostProcess
  let browser: Browser
  let page: Page
  const work = mkdtempSync(path.join(os.tmpdir(), 'spikelab-e2e-retina-'))
  const lab = mkdtempSync(path.join(os.tmpdir(), 'spikelab-e2e-lab-'))
  const nwb = path.join(work, 'easy.nwb')
  const csvOut = path.join(work, 'clusters.csv')
  /** Unit id → cluster, as the membership table shows it. */
  const clusterOfUnit = new Map<string, number>()
  let resultId = 0

  beforeAll(async () => {
    // The easy benchmark setting (4 types × 8 cells, j = 0.1, R = 100, seed 1), written by the CLI.
    const made = spawnSync(process.execPath, [path.join(repoRoot, 'bin/spikelab.js'), 'synth', 'retina', '--out', nwb], { encoding: 'utf8' })
    if (made.status !== 0) throw new Error(made.stderr)
    // A lab folder of our own (the last --lab wins), so a second host can open the same catalog.
    host = await startHostProcess(['--lab', lab])
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    await page.goto(`${host.url}#/analysis`)
  })
  afterAll(async () => {
    await browser?.close()
    await host?.stop()
    rmSync(work, { recursive: true, force: true })
    rmSync(lab, { recursive: true, force: true })
  })

  it('opens the file: per-unit statistics, and rasters by neuron and by trial drawn on canvas', async () => {
    await page.getByTestId('spike-path').fill(nwb)
    await page.getByTestId('open-spikes').click()
    await expect.poll(() => page.getByTestId('spike-summary').innerText()).toMatch(/nwb · 32 units · 100 trials · 131,086 spikes/)
    expect(await page.locator('[data-testid="unit-stats"] tbody tr').count()).toBe(32)
    const background = await pageBackground(page)

    // By neuron, trial 1: every unit's spikes of that trial.
    await expect.poll(async () => Number(await page.getByTestId('raster').getAttribute('data-spikes'))).toBeGreaterThan(0)
    const byNeuron = Number(await page.getByTestId('raster').getAttribute('data-spikes'))
    // 131,086 spikes over 100 trials: one trial holds about 1 % of them.
    expect(byNeuron).toBeGreaterThan(500)
    expect(byNeuron).toBeLessThan(3000)
    expect(countPixelsUnlike(await shot(page, 'raster'), background)).toBeGreaterThan(byNeuron)

    // By trial, unit 0: every spike of the unit over all trials (the statistics table's count).
    const unit0Spikes = Number(await page.locator('[data-testid="unit-stats"] tbody tr').first().locator('td').nth(4).innerText())
    await page.getByTestId('raster-mode').selectOption('trial')
    await expect.poll(async () => Number(await page.getByTestId('raster').getAttribute('data-spikes'))).toBe(unit0Spikes)
    expect(countPixelsUnlike(await shot(page, 'raster'), background)).toBeGreaterThan(unit0Spikes)

    // PSTH, ISI and correlogram panels draw for the first selected units.
    for (const id of ['psth', 'isi', 'correlograms']) await expect.poll(async () => countPixelsUnlike(await shot(page, id), background)).toBeGreaterThan(300)
    await page.getByTestId('psth-kernel').selectOption('gaussian')
    await expect.poll(async () => countPixelsUnlike(await shot(page, 'psth'), background)).toBeGreaterThan(300)
    await page.getByTestId('raster-panel').evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await page.screenshot({ path: screenshotPath('analysis-rasters.png'), fullPage: true })
  })

  it('classifies: K = 4, dendrogram, clusters of one true type each, divergence map coloured by cluster, cluster raster', async () => {
    await page.getByTestId('classify').click()
    await expect.poll(() => page.getByTestId('chosen-k').innerText(), { timeout: 60_000 }).toBe('K = 4')
    const rows = page.locator('[data-testid="clusters"] tbody tr')
    expect(await rows.count()).toBe(4)
    for (let c = 0; c < 4; c++) {
      const text = await rows.nth(c).locator('td:nth-child(3)').innerText()
      const members = [...text.matchAll(/(\S+) \(([^)]+)\)/g)]
      expect(new Set(members.map((m) => m[2])).size).toBe(1)
      for (const m of members) clusterOfUnit.set(m[1], c)
    }
    expect(clusterOfUnit.size).toBe(32)
    // 32 cells, 100 repeats: the 200-resample bootstrap interval is shown.
    await expect.poll(() => page.getByTestId('information-ci').innerText()).toMatch(/95 % bootstrap interval \d\.\d{3}–\d\.\d{3}, centred on the estimate \d\.\d{3}–\d\.\d{3}; 200 resamples/)
    const background = await pageBackground(page)
    expect(countPixelsUnlike(await shot(page, 'dendrogram'), background)).toBeGreaterThan(300)
    expect(countPixelsUnlike(await shot(page, 'info-curve'), background)).toBeGreaterThan(300)
    // Every cluster's colour appears on the map (8 dots of radius 5 each), and the dendrogram's cluster branches too.
    const map = await shot(page, 'divergence-map')
    const dendrogram = await shot(page, 'dendrogram')
    for (const rgb of CLUSTER_RGB) {
      expect(countPixelsNear(map, rgb)).toBeGreaterThan(40)
      expect(countPixelsNear(dendrogram, rgb)).toBeGreaterThan(10)
    }
    // The cluster raster: one trial of every cell, coloured by cluster.
    const raster = await shot(page, 'cluster-raster')
    for (const rgb of CLUSTER_RGB) expect(countPixelsNear(raster, rgb, 4)).toBeGreaterThan(20)
    await page.getByTestId('classification').evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await page.screenshot({ path: screenshotPath('analysis-classification.png'), fullPage: true })
    resultId = Number(/result #(\d+)/.exec(await page.getByTestId('classification').innerText())![1])
    expect(resultId).toBeGreaterThan(0)
  })

  it('exports the clusters as CSV with exactly the membership the view shows', async () => {
    await page.getByTestId('export-path').fill(csvOut)
    await page.getByTestId('export-write').click()
    await expect.poll(() => page.getByTestId('export-status').innerText()).toBe(`Wrote 32 rows to ${csvOut}`)
    const lines = readFileSync(csvOut, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('unit_index,unit,label,cluster,map_x,map_y')
    expect(lines).toHaveLength(33)
    for (const line of lines.slice(1)) {
      const [index, unit, label, cluster, x, y] = line.split(',')
      expect(Number(index)).toBe(Number(unit)) // the generator numbers cells 0…31
      expect(label).toMatch(/^(ON|OFF)-/)
      expect(Number(cluster)).toBe(clusterOfUnit.get(unit))
      expect(Number.isFinite(Number(x)) && Number.isFinite(Number(y))).toBe(true)
    }
    // The download button offers the same text through a Blob link.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-clusters').click()])
    const saved = path.join(work, 'downloaded.csv')
    await download.saveAs(saved)
    expect(readFileSync(saved, 'utf8')).toBe(readFileSync(csvOut, 'utf8'))
  })

  it('after a host restart the stored result reopens from the catalog, with its map and rasters', async () => {
    await browser.close()
    const stop = host.stop()
    await stop
    host = await startHostProcess(['--lab', lab])
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    await page.goto(`${host.url}#/analysis`)
    await expect.poll(() => page.getByTestId('stored-results').innerText()).toMatch(/easy\.nwb/)
    await expect.poll(() => page.getByTestId('recent-files').innerText()).toMatch(/easy\.nwb/)
    await page.getByTestId(`open-result-${resultId}`).click()
    await expect.poll(() => page.getByTestId('chosen-k').innerText()).toBe('K = 4')
    const rows = page.locator('[data-testid="clusters"] tbody tr')
    expect(await rows.count()).toBe(4)
    for (let c = 0; c < 4; c++) {
      const text = await rows.nth(c).locator('td:nth-child(3)').innerText()
      for (const m of text.matchAll(/(\S+) \(([^)]+)\)/g)) expect(clusterOfUnit.get(m[1])).toBe(c)
    }
    const map = await shot(page, 'divergence-map')
    for (const rgb of CLUSTER_RGB) expect(countPixelsNear(map, rgb)).toBeGreaterThan(40)
    // The file is reopened with the result, so the cluster raster draws again.
    await expect.poll(async () => Number(await page.getByTestId('cluster-raster').getAttribute('data-spikes'))).toBeGreaterThan(500)
    await page.getByTestId('analysis-view').evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await page.screenshot({ path: screenshotPath('analysis-reopened.png'), fullPage: true })
  })
})

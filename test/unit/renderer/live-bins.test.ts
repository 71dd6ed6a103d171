// Pre-binned live updates (issue 5, ≥ 2 M events/s live): the host folds events per pixel and per
// raster column, the live view folds the updates in. The reference is the per-event drawing that
// playback uses (EventFrame.add, RasterStrip.add) on the same events: Live must still draw what
// playback draws, so the binned path is compared against it, never against its own output.
import { describe, expect, it } from 'vitest'
import { decodeFrame } from '../../../common/contract/binary-frames.js'
import { LiveBinner, MAX_LIVE_COLUMNS, decodeLiveBins, type LiveBinSettings } from '../../../common/contract/live-bins.js'
import { sliceEventBatch, type EventBatch } from '../../../common/event-batch.js'
import { seededRandom } from '../../../native-bridge/sim-edvs/scenes.js'
import { EventFrame } from '../../../renderer/src/live/event-frame.js'
import { RasterStrip } from '../../../renderer/src/live/raster-strip.js'

const W = 32
const H = 24

/** Time-ordered events, with a few a little out of order (as merged sources can give), some on one pixel in a burst. */
function randomEvents(n: number, seed: number, width = W, height = H, meanGapUs = 40): EventBatch {
  const r = seededRandom(seed)
  const t = new Float64Array(n)
  const x = new Uint16Array(n)
  const y = new Uint16Array(n)
  const p = new Uint8Array(n)
  let now = 5_000_000
  for (let i = 0; i < n; i++) {
    now += Math.floor(r() * 2 * meanGapUs)
    t[i] = r() < 0.02 ? Math.max(0, now - Math.floor(r() * 3000)) : now
    const burst = r() < 0.3
    x[i] = burst ? 3 : Math.floor(r() * width)
    y[i] = burst ? 5 : Math.floor(r() * height)
    p[i] = r() < 0.5 ? 1 : 0
  }
  return { t, x, y, p }
}

/** Sends `events` through a binner in updates split at `cuts`, each encoded and decoded as on the wire. */
function updates(events: EventBatch, settings: LiveBinSettings, cuts: number[]): ArrayBuffer[] {
  const binner = new LiveBinner(settings)
  const out: ArrayBuffer[] = []
  let from = 0
  for (const to of [...cuts, events.t.length]) {
    binner.fold(sliceEventBatch(events, from, to))
    out.push(binner.encode(7))
    binner.reset()
    from = to
  }
  return out
}

function expectClose(actual: Float32Array, expected: Float32Array, relative: number): void {
  let worst = 0
  for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs(actual[k] - expected[k]) / Math.max(1e-3, Math.abs(expected[k])))
  expect(worst).toBeLessThan(relative)
}

describe('binned live updates', () => {
  const settings = { decayUs: 20_000, usPerColumn: 1_000 }

  it('fold into the event frame exactly as the events themselves do (values within float32 rounding, same pixels)', () => {
    const events = randomEvents(20_000, 11)
    const reference = new EventFrame(W, H, settings.decayUs)
    reference.add(events.t, events.x, events.y, events.p)
    const binned = new EventFrame(W, H, settings.decayUs)
    let folded = 0
    for (const buf of updates(events, settings, [1, 700, 701, 5000, 12_345])) {
      const bins = decodeLiveBins(buf)
      folded += bins.events
      binned.addBins(bins)
    }
    expect(folded).toBe(events.t.length)
    expectClose(binned.on, reference.on, 1e-5)
    expectClose(binned.off, reference.off, 1e-5)
    expect(binned.newestUs).toBe(reference.newestUs)
    for (const at of [reference.newestUs, reference.newestUs + 15_000]) {
      reference.render(at)
      binned.render(at)
      let differ = 0
      for (let j = 0; j < reference.pixels.length; j++) differ = Math.max(differ, Math.abs(reference.pixels[j] - binned.pixels[j]))
      expect(differ).toBeLessThanOrEqual(1) // one colour level at most (rounding of float32 sums)
    }
  })

  it('fold into the raster exactly as the events do: same counts, same first-spike and rate order', () => {
    const events = randomEvents(20_000, 12)
    const cuts = [3, 2000, 9000]
    for (const sortBy of ['address', 'rate', 'first-spike'] as const) {
      const reference = new RasterStrip(200, H, settings.usPerColumn)
      reference.setSort(sortBy)
      reference.add(events.t, events.y)
      const binned = new RasterStrip(200, H, settings.usPerColumn)
      binned.setSort(sortBy)
      for (const buf of updates(events, settings, cuts)) binned.addColumns(decodeLiveBins(buf))
      expect(binned.endUs).toBe(reference.endUs)
      reference.render()
      binned.render()
      expect(binned.rowOrder()).toEqual(reference.rowOrder())
      expect(Array.from(binned.pixels)).toEqual(Array.from(reference.pixels))
    }
  })

  it('carry their header: events folded, newest time, the settings folded at; decodeFrame leaves them packed', () => {
    const events = randomEvents(500, 13)
    const [buf] = updates(events, settings, [])
    const bins = decodeLiveBins(buf)
    expect(bins.streamId).toBe(7)
    expect(bins.events).toBe(500)
    expect(bins.newestUs).toBe(Math.max(...events.t))
    expect([bins.decayUs, bins.usPerColumn]).toEqual([settings.decayUs, settings.usPerColumn])
    expect(bins.firstColumn).toBe(Math.floor(Math.min(...events.t) / settings.usPerColumn))
    expect(bins.columns).toBe(Math.floor(Math.max(...events.t) / settings.usPerColumn) - bins.firstColumn + 1)
    let counted = 0
    for (const n of bins.counts) counted += n
    expect(counted).toBe(500)
    const frame = decodeFrame(buf)
    expect(frame.kind).toBe('live-bins')
    expect(() => decodeLiveBins(buf.slice(0, buf.byteLength - 4))).toThrow(/header says/)
  })

  it('apply new settings from the next update on, so one update is folded one way', () => {
    const binner = new LiveBinner(settings)
    const events = randomEvents(100, 14)
    binner.fold(events)
    binner.configure({ decayUs: 5_000, usPerColumn: 4_000 })
    expect(decodeLiveBins(binner.encode(1)).decayUs).toBe(settings.decayUs)
    binner.reset()
    binner.fold(events)
    const next = decodeLiveBins(binner.encode(1))
    expect([next.decayUs, next.usPerColumn]).toEqual([5_000, 4_000])
    expect(() => binner.configure({ decayUs: 0, usPerColumn: 1 })).toThrow(/positive/)
  })

  it('grow for a sensor larger than assumed in the middle of an update', () => {
    const small = randomEvents(3000, 15, 100, 100)
    const large = randomEvents(3000, 16, 300, 200)
    const events: EventBatch = {
      t: Float64Array.from([...small.t, ...large.t.map((t) => t + 1_000_000)]),
      x: Uint16Array.from([...small.x, ...large.x]),
      y: Uint16Array.from([...small.y, ...large.y]),
      p: Uint8Array.from([...small.p, ...large.p]),
    }
    const reference = new EventFrame(300, 200, settings.decayUs)
    reference.add(events.t, events.x, events.y, events.p)
    const binned = new EventFrame(300, 200, settings.decayUs)
    for (const buf of updates(events, settings, [])) binned.addBins(decodeLiveBins(buf))
    expectClose(binned.on, reference.on, 1e-5)
    expectClose(binned.off, reference.off, 1e-5)
  })

  it('keep only the newest raster columns of a long-held update', () => {
    const binner = new LiveBinner({ decayUs: 10_000, usPerColumn: 100 })
    const n = 3 * MAX_LIVE_COLUMNS
    const t = Float64Array.from({ length: n }, (_, i) => i * 100)
    binner.fold({ t, x: new Uint16Array(n), y: new Uint16Array(n), p: new Uint8Array(n) })
    const bins = decodeLiveBins(binner.encode(1))
    expect(bins.events).toBe(n)
    expect(bins.columns).toBe(MAX_LIVE_COLUMNS)
    expect(bins.firstColumn).toBe(n - MAX_LIVE_COLUMNS)
    expect(Array.from(bins.counts).every((c) => c === 1)).toBe(true)
  })
})

import { describe, expect, it } from 'vitest'
import type { EventBatch } from '../../../common/event-batch.js'
import type { DvsScene } from '../../../main/snn/index.js'
import { emulateDvs, emulateNmnist, saccadeOffset, SACCADE_DEFAULTS } from '../../../main/snn/index.js'

const W = 40
const H = 8
const DARK = 0.05
const BRIGHT = 0.8

/** A bright region whose right edge moves from x = 10 to x = 20 over 100 ms; columns ≥ 30 stay dark, < 10 stay bright. */
const movingEdge: DvsScene = {
  geometry: { width: W, height: H },
  durationUs: 100_000,
  render(tUs, out) {
    const edge = 10 + (10 * tUs) / 100_000
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        // pixel x covers [x, x+1): its brightness is the bright fraction of it
        const covered = Math.min(1, Math.max(0, edge - x))
        out[y * W + x] = DARK + (BRIGHT - DARK) * covered
      }
    }
  },
}

function columnsWithEvents(e: EventBatch): Set<number> {
  return new Set(Array.from(e.x))
}

describe('DVS emulator', () => {
  it('fires ON events where the edge passes and none in static regions (no noise, no mismatch)', () => {
    const threshold = 0.3
    const e = emulateDvs(movingEdge, { threshold, thresholdMismatch: 0, noiseRateHz: 0, refractoryUs: 0, stepUs: 500 })
    const cols = columnsWithEvents(e)
    for (const x of cols) {
      expect(x).toBeGreaterThanOrEqual(10)
      expect(x).toBeLessThan(20)
    }
    expect(Array.from(e.p).every((p) => p === 1)).toBe(true) // brightening only
    // independent count: each swept pixel's log intensity rises by ln((B+ε)/(D+ε)); one event per full θ
    const rise = Math.log((BRIGHT + 0.1) / (DARK + 0.1))
    const perPixel = Math.floor(rise / threshold)
    expect(perPixel).toBeGreaterThan(0)
    expect(e.t.length).toBe(10 * H * perPixel)
    // events are sorted, and column x fires while the edge crosses it (≈ x·10 ms … (x+1)·10 ms after x = 10)
    for (let i = 1; i < e.t.length; i++) expect(e.t[i]).toBeGreaterThanOrEqual(e.t[i - 1])
    for (let i = 0; i < e.t.length; i++) {
      const start = (e.x[i] - 10) * 10_000
      expect(e.t[i]).toBeGreaterThanOrEqual(start)
      expect(e.t[i]).toBeLessThanOrEqual(start + 10_000 + 500)
    }
  })

  it('emits OFF events when the edge moves back', () => {
    const backwards: DvsScene = { ...movingEdge, render: (t, out) => movingEdge.render(100_000 - t, out) }
    const e = emulateDvs(backwards, { thresholdMismatch: 0, noiseRateHz: 0 })
    expect(e.t.length).toBeGreaterThan(0)
    expect(Array.from(e.p).every((p) => p === 0)).toBe(true)
  })

  it('respects the refractory period at every pixel, noise included', () => {
    const refractoryUs = 3000
    const e = emulateDvs(movingEdge, { threshold: 0.05, refractoryUs, noiseRateHz: 20, stepUs: 250, seed: 3 })
    const last = new Map<number, number>()
    let checked = 0
    for (let i = 0; i < e.t.length; i++) {
      const key = e.y[i] * W + e.x[i]
      const prev = last.get(key)
      if (prev !== undefined) {
        expect(e.t[i] - prev).toBeGreaterThanOrEqual(refractoryUs)
        checked++
      }
      last.set(key, e.t[i])
    }
    expect(checked).toBeGreaterThan(50)
    // with the refractory period off the same scene gives more events (the threshold 0.05 asks for ≈ 25 per pixel)
    const free = emulateDvs(movingEdge, { threshold: 0.05, refractoryUs: 0, noiseRateHz: 0, stepUs: 250, seed: 3 })
    expect(free.t.length).toBeGreaterThan(e.t.length)
  })

  it('adds background noise at about the requested rate in a static scene', () => {
    const still: DvsScene = { geometry: { width: 20, height: 20 }, durationUs: 1_000_000, render: (_t, out) => out.fill(0.5) }
    const e = emulateDvs(still, { noiseRateHz: 5, seed: 1 })
    const expected = 400 * 5 // pixels × rate × 1 s
    expect(e.t.length).toBeGreaterThan(expected * 0.85)
    expect(e.t.length).toBeLessThan(expected * 1.15)
    expect(emulateDvs(still, { noiseRateHz: 0, seed: 1 }).t.length).toBe(0)
  })

  it('is deterministic for a seed and differs between seeds', () => {
    const options = { noiseRateHz: 10, thresholdMismatch: 0.2 }
    const a = emulateDvs(movingEdge, { ...options, seed: 7 })
    const b = emulateDvs(movingEdge, { ...options, seed: 7 })
    const c = emulateDvs(movingEdge, { ...options, seed: 8 })
    expect(b).toEqual(a)
    expect(Array.from(c.t)).not.toEqual(Array.from(a.t))
  })

  it('rejects bad options, naming the field', () => {
    expect(() => emulateDvs(movingEdge, { threshold: 0 })).toThrow(/threshold/)
    expect(() => emulateDvs(movingEdge, { refractoryUs: -1 })).toThrow(/refractoryUs/)
  })
})

describe('N-MNIST-like set', () => {
  it('saccades trace a closed triangle over three periods', () => {
    const o = SACCADE_DEFAULTS
    expect(saccadeOffset(0, o)).toEqual({ dx: 0, dy: 0 })
    expect(saccadeOffset(o.saccadeUs, o)).toEqual({ dx: o.amplitude / 2, dy: o.amplitude })
    expect(saccadeOffset(2 * o.saccadeUs, o)).toEqual({ dx: o.amplitude, dy: 0 })
    const end = saccadeOffset(3 * o.saccadeUs, o)
    expect(end.dx).toBeCloseTo(0, 4)
    expect(end.dy).toBeCloseTo(0, 4)
  })

  it('turns digits into 34×34 recordings of ~300 ms with both polarities, events on the digit', () => {
    const set = emulateNmnist({ count: 3, seed: 1, emulator: { noiseRateHz: 0 } })
    expect(set).toHaveLength(3)
    for (const r of set) {
      expect(r.geometry).toEqual({ width: 34, height: 34 })
      expect(r.label).toMatch(/^[0-9]$/)
      const n = r.events.t.length
      expect(n).toBeGreaterThan(300)
      expect(r.events.t[n - 1]).toBeLessThanOrEqual(300_000)
      const on = r.events.p.reduce((a, p) => a + p, 0)
      expect(on).toBeGreaterThan(n * 0.2)
      expect(on).toBeLessThan(n * 0.8)
      // the 28×28 digit, centred with room for the 3-pixel saccade, never reaches the outer 1-pixel border
      for (let i = 0; i < n; i++) {
        expect(r.events.x[i]).toBeGreaterThanOrEqual(1)
        expect(r.events.x[i]).toBeLessThanOrEqual(32)
      }
    }
    expect(new Set(set.map((r) => r.id)).size).toBe(3)
    expect(emulateNmnist({ count: 3, seed: 1, emulator: { noiseRateHz: 0 } })).toEqual(set)
  })
})

// The event frame decays in event time, so the frame at T is a function of the events alone: the
// property that lets playback redraw exactly what Live drew (issue 5, playback vs live).
import { describe, expect, it } from 'vitest'
import { EventFrame } from '../../../renderer/src/live/event-frame.js'
import { liveFrameTime, STALL_MS } from '../../../renderer/src/live/frame-clock.js'
import { seededRandom } from '../../../native-bridge/sim-edvs/scenes.js'

const W = 16
const H = 8

function randomEvents(n: number, seed: number) {
  const r = seededRandom(seed)
  const t = new Float64Array(n)
  const x = new Uint16Array(n)
  const y = new Uint16Array(n)
  const p = new Uint8Array(n)
  let now = 1_000_000
  for (let i = 0; i < n; i++) {
    now += Math.floor(r() * 200)
    t[i] = now
    x[i] = Math.floor(r() * W)
    y[i] = Math.floor(r() * H)
    p[i] = r() < 0.5 ? 1 : 0
  }
  return { t, x, y, p }
}

describe('EventFrame', () => {
  it('draws the same pixels however the events are split into batches', () => {
    const e = randomEvents(5000, 7)
    const whole = new EventFrame(W, H, 20_000)
    whole.add(e.t, e.x, e.y, e.p)
    const pieces = new EventFrame(W, H, 20_000)
    const r = seededRandom(3)
    for (let i = 0; i < e.t.length; ) {
      const end = Math.min(e.t.length, i + 1 + Math.floor(r() * 300))
      pieces.add(e.t, e.x, e.y, e.p, i, end)
      i = end
    }
    const at = e.t[e.t.length - 1]
    whole.render(at)
    pieces.render(at)
    expect(Array.from(pieces.pixels)).toEqual(Array.from(whole.pixels))
  })

  it('renders Σ exp(−(T − t)/τ) per pixel and polarity, half intensity per fresh event, saturating at 1', () => {
    const e = randomEvents(3000, 11)
    const tau = 15_000
    const frame = new EventFrame(W, H, tau)
    frame.add(e.t, e.x, e.y, e.p)
    const at = e.t[e.t.length - 1] + 5000
    frame.render(at)
    // Independent computation straight from the definition.
    const on = new Float64Array(W * H)
    const off = new Float64Array(W * H)
    for (let i = 0; i < e.t.length; i++) (e.p[i] ? on : off)[e.y[i] * W + e.x[i]] += Math.exp(-(at - e.t[i]) / tau)
    const BG = [20, 22, 26], ON = [78, 161, 255], OFF = [255, 140, 60]
    let checked = 0
    for (let k = 0; k < W * H; k++) {
      const a = Math.min(1, 0.5 * on[k])
      const b = Math.min(1, 0.5 * off[k])
      for (let c = 0; c < 3; c++) {
        const expected = Math.min(255, BG[c] + (ON[c] - BG[c]) * a + (OFF[c] - BG[c]) * b)
        expect(Math.abs(frame.pixels[k * 4 + c] - expected)).toBeLessThanOrEqual(1)
        checked++
      }
    }
    expect(checked).toBe(W * H * 3)
  })

  it('counts an event older than its pixel\'s newest one at its own, older time', () => {
    const a = new EventFrame(1, 1, 10_000)
    a.add(Float64Array.of(100, 50), Uint16Array.of(0, 0), Uint16Array.of(0, 0), Uint8Array.of(1, 1))
    const b = new EventFrame(1, 1, 10_000)
    b.add(Float64Array.of(50, 100), Uint16Array.of(0, 0), Uint16Array.of(0, 0), Uint8Array.of(1, 1))
    a.render(20_000)
    b.render(20_000)
    expect(a.on[0] * 1).toBeCloseTo(b.on[0], 5)
    expect(Array.from(a.pixels)).toEqual(Array.from(b.pixels))
  })

  it('live time follows the newest event, and runs on with the wall clock once the stream stalls', () => {
    expect(liveFrameTime(5_000_000, 0)).toBe(5_000_000)
    expect(liveFrameTime(5_000_000, STALL_MS)).toBe(5_000_000)
    expect(liveFrameTime(5_000_000, STALL_MS + 250)).toBe(5_250_000)
  })
})

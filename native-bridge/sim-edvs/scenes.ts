import type { EventBatch } from '../../common/event-batch.js'
import { createEventBatch, EventBatchBuilder } from '../../common/event-batch.js'

export interface SceneOptions {
  /** Sensor size (default 128×128). */
  readonly width?: number
  readonly height?: number
  /** Events per second the scene produces (default 100 000). */
  readonly eventsPerSecond?: number
  /** Length of each yielded batch in µs of scene time (default 1000). */
  readonly sliceUs?: number
  /** Total scene duration in µs (default: endless). */
  readonly durationUs?: number
  /** Seed for the per-pixel choice, so a scene replays identically. */
  readonly seed?: number
}

/** A small deterministic PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type EdgeAt = (tUs: number, r: () => number) => { x: number; y: number; p: number }

async function* scene(options: SceneOptions, edgeAt: EdgeAt): AsyncGenerator<EventBatch> {
  const rate = options.eventsPerSecond ?? 100_000
  const slice = options.sliceUs ?? 1000
  const duration = options.durationUs ?? Infinity
  const r = seededRandom(options.seed ?? 1)
  const perSlice = (rate * slice) / 1e6
  let carry = 0
  for (let start = 0; start < duration; start += slice) {
    carry += perSlice
    const n = Math.floor(carry)
    carry -= n
    const b = new EventBatchBuilder(Math.max(16, n))
    for (let i = 0; i < n; i++) {
      const t = start + Math.floor((i * slice) / Math.max(1, n))
      const e = edgeAt(t, r)
      b.push(t, e.x, e.y, e.p)
    }
    yield b.take()
  }
}

/**
 * A vertical bar sweeping left to right (one sweep per second): ON events on its leading edge,
 * OFF on its trailing edge, at random rows.
 */
export function movingBar(options: SceneOptions = {}): AsyncGenerator<EventBatch> {
  const w = options.width ?? 128
  const h = options.height ?? 128
  const barWidth = Math.max(2, Math.round(w / 16))
  return scene(options, (t, r) => {
    const lead = Math.floor(((t % 1e6) / 1e6) * (w + barWidth))
    const on = r() < 0.5
    const x = Math.min(w - 1, Math.max(0, on ? lead : lead - barWidth))
    return { x, y: Math.floor(r() * h), p: on ? 1 : 0 }
  })
}

/** A dot circling the centre twice per second, ON ahead of it and OFF behind it. */
export function rotatingDot(options: SceneOptions = {}): AsyncGenerator<EventBatch> {
  const w = options.width ?? 128
  const h = options.height ?? 128
  const radius = Math.min(w, h) * 0.35
  return scene(options, (t, r) => {
    const on = r() < 0.5
    const angle = (t / 1e6) * 4 * Math.PI + (on ? 0.05 : -0.05)
    const jitter = () => Math.round((r() - 0.5) * 4)
    const x = Math.min(w - 1, Math.max(0, Math.round(w / 2 + radius * Math.cos(angle)) + jitter()))
    const y = Math.min(h - 1, Math.max(0, Math.round(h / 2 + radius * Math.sin(angle)) + jitter()))
    return { x, y, p: on ? 1 : 0 }
  })
}

export interface RandomEventsOptions {
  /** Events in total. */
  readonly count: number
  readonly seed?: number
  /** Timestamps step by a whole number of µs in [0, maxStepUs) (default 100). */
  readonly maxStepUs?: number
  /** Events per yielded batch (default 4096). */
  readonly batch?: number
}

/**
 * A reproducible sequence of `count` events at uniformly random pixels and polarities, starting at
 * t = 0 (the sensor's time after `!ET0`): the same options give the same events in every process,
 * so a recording can be checked against a fresh run of the generator.
 */
export async function* randomEvents(options: RandomEventsOptions): AsyncGenerator<EventBatch> {
  const r = seededRandom(options.seed ?? 1)
  const maxStep = options.maxStepUs ?? 100
  const batch = options.batch ?? 4096
  let t = 0
  for (let start = 0; start < options.count; start += batch) {
    const n = Math.min(batch, options.count - start)
    const b = createEventBatch(n)
    for (let i = 0; i < n; i++) {
      if (start + i > 0) t += Math.floor(r() * maxStep)
      b.t[i] = t
      b.x[i] = Math.floor(r() * 128)
      b.y[i] = Math.floor(r() * 128)
      b.p[i] = r() < 0.5 ? 1 : 0
    }
    yield b
  }
}

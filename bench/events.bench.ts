// Event codec benchmark: decode and encode throughput per format (M events/s, one core) and the
// peak memory of streaming a large file. Run: npx tsx bench/events.bench.ts
// Env: BENCH_EVENTS_N (events per format, default 4 000 000), BENCH_EVENTS_LARGE_MB (streamed
// file size in MB, default 1024).
import { mkdtempSync, rmSync, statSync, openSync, writeSync, closeSync, readFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import type { EventBatch } from '../common/event-batch.js'
import { createDecoder } from '../main/events/detect.js'
import { createEncoder, type EncoderOptions } from '../main/events/encoders.js'
import { loadZstd } from '../main/events/payload-codec.js'
import { openEventFile } from '../main/events/open-event-file.js'
import { buildSeekIndex, readIndexedWindow } from '../main/events/seek-index.js'
import type { EventFormat } from '../main/events/types.js'

const N = Number(process.env.BENCH_EVENTS_N ?? 4_000_000)
const LARGE_MB = Number(process.env.BENCH_EVENTS_LARGE_MB ?? 1024)
const CHUNK = 1 << 20

/** A sensor-like stream: bursts of events on nearby pixels, µs time advancing slowly. */
function generate(n: number, width: number, height: number, maxT = Infinity): EventBatch {
  const t = new Float64Array(n)
  const x = new Uint16Array(n)
  const y = new Uint16Array(n)
  const p = new Uint8Array(n)
  let s = 12345
  let now = 1000
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    if ((s & 7) === 0) now += 1 + ((s >>> 8) & 3)
    if (now > maxT) now = maxT
    t[i] = now
    x[i] = (s >>> 10) % width
    y[i] = (s >>> 20) % height
    p[i] = (s >>> 3) & 1
  }
  return { t, x, y, p }
}

function encodeAll(format: EventFormat, events: EventBatch, options: EncoderOptions): { bytes: Uint8Array; seconds: number } {
  const parts: Uint8Array[] = []
  const started = performance.now()
  const enc = createEncoder(format, options)
  const step = 1 << 16
  for (let i = 0; i < events.t.length; i += step) {
    const j = Math.min(events.t.length, i + step)
    parts.push(enc.write({ t: events.t.subarray(i, j), x: events.x.subarray(i, j), y: events.y.subarray(i, j), p: events.p.subarray(i, j) }))
  }
  parts.push(enc.end())
  const seconds = (performance.now() - started) / 1000
  const bytes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let at = 0
  for (const p of parts) {
    bytes.set(p, at)
    at += p.length
  }
  for (const patch of enc.finalPatches()) bytes.set(patch.bytes, patch.offset)
  return { bytes, seconds }
}

/** Decodes in 1 MiB chunks; `seconds` is wall time, `cpuSeconds` this process's CPU time. */
function decodeAll(format: EventFormat, bytes: Uint8Array, reuseOutput = false): { events: number; seconds: number; cpuSeconds: number } {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const d = createDecoder(format, { reuseOutput })
  let events = 0
  for (let at = 0; at < bytes.length; at += CHUNK) for (const b of d.push(bytes.subarray(at, at + CHUNK))) events += b.t.length
  for (const b of d.end()) events += b.t.length
  const used = process.cpuUsage(cpu)
  return { events, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 }
}

function best<T extends { seconds: number }>(runs: number, fn: () => T): T {
  let result = fn()
  for (let i = 1; i < runs; i++) {
    const r = fn()
    if (r.seconds < result.seconds) result = r
  }
  return result
}

const mevs = (events: number, seconds: number): string => (events / seconds / 1e6).toFixed(1)

async function main(): Promise<void> {
  // wall-clock figures are only meaningful on an idle machine; say how busy it was
  console.log(`load average at start: ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`)
  await loadZstd()
  const geometry = { width: 640, height: 480 }
  const targets: { label: string; format: EventFormat; options: EncoderOptions; n?: number; small?: boolean }[] = [
    { label: 'evt2', format: 'evt2', options: { geometry } },
    { label: 'evt21', format: 'evt21', options: { geometry } },
    { label: 'evt3', format: 'evt3', options: { geometry } },
    { label: 'dat', format: 'dat', options: { geometry } },
    { label: 'aedat2', format: 'aedat2', options: { geometry, aedat2Layout: 'davis' } },
    { label: 'aedat3', format: 'aedat3', options: { geometry } },
    { label: 'aedat4', format: 'aedat4', options: { geometry } },
    { label: 'aedat4-lz4', format: 'aedat4', options: { geometry, compression: 'lz4' }, n: N / 4 },
    { label: 'aedat4-zstd', format: 'aedat4', options: { geometry, compression: 'zstd' }, n: N / 4 },
    { label: 'nmnist', format: 'nmnist', options: { geometry: { width: 34, height: 34 } }, small: true },
  ]
  const big = generate(N, geometry.width, geometry.height)
  for (const target of targets) {
    const n = target.n ?? N
    const events = target.small ? generate(n, 34, 34, 2 ** 23 - 1) : n === N ? big : generate(n, geometry.width, geometry.height)
    const enc = best(2, () => encodeAll(target.format, events, target.options))
    const dec = best(4, () => decodeAll(target.format, enc.bytes))
    const reused = best(4, () => decodeAll(target.format, enc.bytes, true))
    if (dec.events !== n || reused.events !== n) throw new Error(`${target.label}: decoded ${dec.events} of ${n} events`)
    console.log(`${target.label} decode: ${mevs(n, dec.seconds)} M ev/s (CPU time: ${mevs(n, dec.cpuSeconds)})`)
    console.log(`${target.label} decode, reused output: ${mevs(n, reused.seconds)} M ev/s (CPU time: ${mevs(n, reused.cpuSeconds)})`)
    console.log(`${target.label} encode: ${mevs(n, enc.seconds)} M ev/s`)
  }

  // the real EVT 2.0 fixture, when present
  try {
    const fixture = new Uint8Array(readFileSync(path.resolve(import.meta.dirname ?? '.', '../../shared/fixtures/events/evt2_sample.raw')))
    const r = best(5, () => decodeAll('evt2', fixture))
    console.log(`evt2 fixture (evt2_sample.raw) decode: ${mevs(r.events, r.seconds)} M ev/s (CPU time: ${mevs(r.events, r.cpuSeconds)})`)
  } catch {
    // fixture folder absent: skip this figure
  }

  // peak memory while streaming a large EVT 2.0 file
  const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-bench-'))
  try {
    const file = path.join(dir, 'large.raw')
    const fd = openSync(file, 'w')
    const enc = createEncoder('evt2', { geometry })
    const block = generate(1 << 20, geometry.width, geometry.height)
    let written = 0
    let base = 0
    while (written < LARGE_MB * (1 << 20)) {
      const shifted = { ...block, t: block.t.map((v) => v + base) }
      base = shifted.t[shifted.t.length - 1]
      const bytes = enc.write(shifted)
      writeSync(fd, bytes)
      written += bytes.length
    }
    closeSync(fd)
    global.gc?.()
    const rssBefore = process.memoryUsage().rss
    let peak = rssBefore
    let events = 0
    const started = performance.now()
    const f = await openEventFile(file)
    for await (const b of f.batches()) {
      events += b.t.length
      const rss = process.memoryUsage().rss
      if (rss > peak) peak = rss
    }
    const seconds = (performance.now() - started) / 1000
    const mb = statSync(file).size / (1 << 20)
    console.log(`streamed ${mb.toFixed(0)} MB evt2 file: ${mevs(events, seconds)} M ev/s end to end (read + decode)`)
    console.log(`streamed ${mb.toFixed(0)} MB evt2 file: peak RSS growth ${((peak - rssBefore) / (1 << 20)).toFixed(1)} MB`)

    // seeking the same file by time through its sparse index (built once, as import does)
    const indexStarted = performance.now()
    const index = await buildSeekIndex(file)
    const indexSeconds = (performance.now() - indexStarted) / 1000
    console.log(`seek index of the ${mb.toFixed(0)} MB file: ${index.segments.length} segments, ${(JSON.stringify(index).length / 1024).toFixed(1)} KB, built in ${indexSeconds.toFixed(1)} s`)
    const last = index.segments.at(-1)!.maxT
    const latencies: number[] = []
    for (let k = 1; k <= 20; k++) {
      const from = (last * k) / 21
      const t0 = performance.now()
      await readIndexedWindow(file, index, from, from + 33_000)
      latencies.push(performance.now() - t0)
    }
    latencies.sort((a, b) => a - b)
    console.log(`seek: a 33 ms window anywhere in the file: median ${latencies[10].toFixed(1)} ms, worst ${latencies[19].toFixed(1)} ms`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()

/**
 * Board-link benchmarks: framing, decoding, the RP1 engine, and a full deploy over an in-memory
 * pair (unpaced and paced at the simulator's default 2 Mbaud). Run: npx tsx bench/board-link.bench.ts
 */
import { BoardLinkClient, FrameDecoder, MsgType, createMemoryDuplexPair, encodeWire } from '../native-bridge/board-link/index.js'
import type { Rp1Model } from '../native-bridge/engine/index.js'
import { INPUT_SOURCE, Rp1Engine, encodeModelBlob, withComputedSelfTest } from '../native-bridge/engine/index.js'
import { SimBoard } from '../native-bridge/sim-board/index.js'

function lcg(seed: number): () => number {
  let x = seed >>> 0
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 0x100000000)
}

function model(nIn: number, n0: number, n1: number): Rp1Model {
  const rnd = lcg(1)
  const w = (r: number, c: number) => ({ format: 'dense' as const, rows: r, cols: c, values: Int8Array.from({ length: r * c }, () => Math.floor(rnd() * 120) - 50) })
  const p = (n: number) => ({
    threshold: new Int16Array(n).fill(3000), bias: new Int16Array(n), leakShift: new Uint8Array(n).fill(3), refractory: new Uint8Array(n).fill(1),
  })
  return {
    uuid: new Uint8Array(16), createdUnix: 0n, tickUs: 1000, nInputs: nIn,
    inputMap: { kind: 'table', countMax: 3, channels: Uint16Array.from({ length: nIn }, (_, i) => i) },
    outputMap: Array.from({ length: n1 }, (_, i) => ({ layer: 1, neuron: i })),
    layers: [
      { nNeurons: n0, sources: [INPUT_SOURCE], wShift: [3], decayKind: 1, resetKind: 1, weights: [w(n0, nIn)], ...p(n0) },
      { nNeurons: n1, sources: [0], wShift: [2], decayKind: 1, resetKind: 0, weights: [w(n1, n0)], ...p(n1) },
    ],
  }
}

function time(fn: () => void): number {
  const t0 = performance.now()
  fn()
  return (performance.now() - t0) / 1000
}

// Framing: 1 KiB frames (1008-byte payloads).
{
  const payload = Uint8Array.from({ length: 1008 }, (_, i) => i & 0xff)
  const n = 20_000
  const wires: Uint8Array[] = []
  const s = time(() => {
    for (let i = 0; i < n; i++) wires.push(encodeWire({ type: MsgType.CHUNK, flags: 0, chan: 1, seq: i, ack: 0, corr: 0 }, payload))
  })
  console.log(`frame encode (COBS+CRC-32, 1 KiB frames): ${((n * 1024) / s / 1e6).toFixed(1)} MB/s`)
  const stream = new Uint8Array(wires.reduce((a, w) => a + w.length, 0))
  let at = 0
  for (const w of wires) {
    stream.set(w, at)
    at += w.length
  }
  let got = 0
  const dec = new FrameDecoder(() => got++, 1024)
  const s2 = time(() => {
    for (let i = 0; i < stream.length; i += 4096) dec.push(stream.subarray(i, i + 4096))
  })
  console.log(`frame decode (4 KiB reads): ${(stream.length / s2 / 1e6).toFixed(1)} MB/s (${got} frames, ${dec.badFrames} bad)`)
}

// Engine: 1024 inputs → 768 → 256, dense (≈ 980 KB of weights, close to RP1's 1 MiB).
{
  const m = model(1024, 768, 256)
  const e = new Rp1Engine(m)
  const rnd = lcg(2)
  const ticks = 500
  const eventsPerTick = 200
  let synOps = 0
  const s = time(() => {
    for (let k = 0; k < ticks; k++) {
      for (let i = 0; i < eventsPerTick; i++) e.applyEvent(Math.floor(rnd() * 1024))
      e.step()
      synOps += e.lastCost
    }
  })
  console.log(`RP1 engine (1024→768→256 dense, ${eventsPerTick} ev/tick): ${(ticks / s).toFixed(0)} ticks/s, ${((ticks * eventsPerTick) / s / 1e6).toFixed(2)} M ev/s, ${(synOps / s / 1e6).toFixed(1)} M cost-units/s`)
}

async function deployBench(label: string, blob: Uint8Array, linkBaud: number, flashTimeScale: number): Promise<void> {
  const pair = createMemoryDuplexPair()
  const board = new SimBoard({ linkBaud, flashTimeScale })
  board.attach(pair.device)
  const client = new BoardLinkClient(pair.host)
  await client.connect()
  const t0 = performance.now()
  const r = await client.deploy(blob)
  const s = (performance.now() - t0) / 1000
  console.log(`deploy ${label} (${(blob.length / 1024).toFixed(0)} KiB, self-test ${r.commit.stMs} ms): ${(blob.length / s / 1024).toFixed(0)} KiB/s, ${s.toFixed(2)} s`)
  client.close()
  board.close()
}

// The link's timers are unref'd (they never keep a process alive); hold the loop open meanwhile.
const keepAlive = setInterval(() => {}, 1000)
{
  const big = model(512, 512, 128)
  const rnd = lcg(3)
  const t = Uint32Array.from({ length: 5000 }, () => Math.floor(rnd() * 200_000)).sort()
  const a = Uint16Array.from(t, () => Math.floor(rnd() * 512))
  const blob = encodeModelBlob(withComputedSelfTest(big, 200, t, a))
  await deployBench('in-memory, unpaced, instant flash', blob, 0, 0)
  const small = encodeModelBlob(withComputedSelfTest(model(128, 256, 64), 50, t.filter((x) => x < 50_000), a.subarray(0, t.filter((x) => x < 50_000).length).map((x) => x % 128)))
  await deployBench('paced 2 Mbaud, real flash timing', small, 2_000_000, 1)
}
clearInterval(keepAlive)

import type { Rp1Model, WeightMatrix } from '../../../native-bridge/engine/index.js'
import { INPUT_SOURCE, withComputedSelfTest } from '../../../native-bridge/engine/index.js'

/** Deterministic generator so every run builds the same model. */
export function lcg(seed: number): () => number {
  let x = seed >>> 0
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 0x100000000)
}

function dense(rnd: () => number, rows: number, cols: number, lo: number, hi: number): WeightMatrix {
  return { format: 'dense', rows, cols, values: Int8Array.from({ length: rows * cols }, () => lo + Math.floor(rnd() * (hi - lo + 1))) }
}

function csr(rnd: () => number, rows: number, cols: number, density: number): WeightMatrix {
  const rowPtr = [0]
  const colIdx: number[] = []
  const values: number[] = []
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (rnd() < density) {
        colIdx.push(c)
        values.push(-128 + Math.floor(rnd() * 256))
      }
    }
    rowPtr.push(colIdx.length)
  }
  return { format: 'csr', rows, cols, rowPtr: Uint32Array.from(rowPtr), colIdx: Uint16Array.from(colIdx), values: Int8Array.from(values) }
}

/** Random input events sorted by time, addresses 0..nAddr-1, inside [0, ticks·tickUs). */
export function randomEvents(rnd: () => number, n: number, ticks: number, tickUs: number, nAddr: number) {
  const t = Array.from({ length: n }, () => Math.floor(rnd() * ticks * tickUs)).sort((a, b) => a - b)
  return { tUs: Uint32Array.from(t), addr: Uint16Array.from(t.map(() => Math.floor(rnd() * nAddr))) }
}

/**
 * A two-layer recurrent model of ~12 KB (about 25 chunks of 512 B): enough chunks to see which
 * bytes a resumed deploy sends. Its SELFTEST comes from the host emulator (rung 0).
 */
export function randomModel(seed: number, nInputs = 64, n0 = 128, n1 = 32): Rp1Model {
  const rnd = lcg(seed)
  const params = (n: number, th: number) => ({
    threshold: Int16Array.from({ length: n }, () => th + Math.floor(rnd() * th)),
    bias: Int16Array.from({ length: n }, () => Math.floor(rnd() * 21) - 10),
    leakShift: Uint8Array.from({ length: n }, () => 1 + Math.floor(rnd() * 6)),
    refractory: Uint8Array.from({ length: n }, () => Math.floor(rnd() * 4)),
  })
  const nAddr = nInputs + 8
  const channels = Uint16Array.from({ length: nAddr }, (_, a) => (a < nInputs ? a : 0xffff))
  const model: Rp1Model = {
    uuid: Uint8Array.from({ length: 16 }, () => Math.floor(rnd() * 256)),
    createdUnix: 1_700_000_000n + BigInt(seed),
    tickUs: 1000,
    nInputs,
    inputMap: { kind: 'table', countMax: 7, channels },
    outputMap: Array.from({ length: n1 }, (_, i) => ({ layer: 1, neuron: i })).concat([{ layer: 0, neuron: 0 }, { layer: 0, neuron: 5 }]),
    layers: [
      { nNeurons: n0, sources: [INPUT_SOURCE], wShift: [3], decayKind: 1, resetKind: 1, weights: [dense(rnd, n0, nInputs, -40, 100)], ...params(n0, 1500) },
      { nNeurons: n1, sources: [0, 1], wShift: [2, 1], decayKind: 1, resetKind: 0, weights: [dense(rnd, n1, n0, -60, 90), csr(rnd, n1, n1, 0.2)], ...params(n1, 800) },
    ],
  }
  const ev = randomEvents(rnd, 3000, 200, 1000, nAddr)
  return withComputedSelfTest(model, 200, ev.tUs, ev.addr)
}

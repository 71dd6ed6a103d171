import type { Rp1Layer, Rp1Model } from './model.js'
import { INPUT_SOURCE, UNMAPPED_CHANNEL } from './model.js'

export interface EngineSnapshot {
  v: Int16Array
  r: Uint8Array
  s: Uint8Array
  tick: number
}

/**
 * The RP1 fixed-point kernel (board-link §16.3–16.4): the single implementation shared by the
 * simulated board and the host preview. All arithmetic is exact integer math on JS numbers (every
 * intermediate fits i32 under the RP1 limits); `>>` is the arithmetic (floor) shift.
 */
export class Rp1Engine {
  /** Membrane per neuron, global order (layer 0 first). */
  readonly v: Int16Array
  /** Refractory counter per neuron. */
  readonly r: Uint8Array
  /** Spike bit per neuron of the last computed tick for each layer. */
  private readonly s: Uint8Array
  /** Events mapped to each input channel for the tick being assembled (clamped at step time). */
  private readonly counts: Uint32Array
  private readonly layerBase: number[]
  private readonly acc: Int32Array
  private readonly slotAcc: Int32Array
  /** Stored weights per source element, for the §17 compute-cost model. */
  private readonly fanoutOps: Map<number, Uint32Array>
  /** Column-major copies of DENSE matrices, so one source element's weights are contiguous. */
  private readonly denseByColumn: Map<number, Int8Array>
  private readonly mapAddr: (addr: number) => number
  /** Ticks completed since the last reset. */
  tick = 0
  /** §17 item 2 cost of the last step: 2·neurons + synaptic_ops + 2·input_events + 4·output_spikes. */
  lastCost = 0
  private pendingEvents = 0

  constructor(readonly model: Rp1Model) {
    let base = 0
    this.layerBase = model.layers.map((l) => {
      const b = base
      base += l.nNeurons
      return b
    })
    this.v = new Int16Array(base)
    this.r = new Uint8Array(base)
    this.s = new Uint8Array(base)
    this.counts = new Uint32Array(model.nInputs)
    const widest = Math.max(1, ...model.layers.map((l) => l.nNeurons))
    this.acc = new Int32Array(widest)
    this.slotAcc = new Int32Array(widest)
    this.fanoutOps = new Map()
    this.denseByColumn = new Map()
    model.layers.forEach((l, li) =>
      l.weights.forEach((w, q) => {
        this.fanoutOps.set(li * 4 + q, columnCounts(w))
        if (w.format === 'dense') this.denseByColumn.set(li * 4 + q, transpose(w.values, w.rows, w.cols))
      }),
    )
    this.mapAddr = addressMapper(model)
  }

  get nNeurons(): number {
    return this.v.length
  }

  /** Zeroes membranes, refractory counters, spike bits, input counts and the tick (§16.3). */
  reset(): void {
    this.v.fill(0)
    this.r.fill(0)
    this.s.fill(0)
    this.counts.fill(0)
    this.pendingEvents = 0
    this.tick = 0
  }

  /** Input channel of a sensor address, or -1 when unmapped. */
  channelOf(addr: number): number {
    return this.mapAddr(addr)
  }

  /** Applies one event to the tick being assembled; false when the address is unmapped. */
  applyEvent(addr: number): boolean {
    const ch = this.mapAddr(addr)
    if (ch < 0) return false
    this.counts[ch]++
    this.pendingEvents++
    return true
  }

  /** Applies one already-mapped event (a device maps addresses on arrival, §9.3). */
  applyChannel(channel: number): void {
    this.counts[channel]++
    this.pendingEvents++
  }

  /**
   * Runs one tick (§16.4) and returns the output ids that spiked, ascending. With `monitorAll` the
   * ids are global neuron indices of every spiking neuron instead.
   */
  step(monitorAll = false): number[] {
    const { model } = this
    const countMax = model.inputMap.countMax
    const x0 = this.counts
    for (let i = 0; i < x0.length; i++) if (x0[i] > countMax) x0[i] = countMax
    let synOps = 0
    let spikes = 0
    for (let li = 0; li < model.layers.length; li++) {
      const L = model.layers[li]
      const n = L.nNeurons
      const acc = this.acc
      acc.fill(0, 0, n)
      for (let q = 0; q < L.sources.length; q++) {
        synOps += this.integrateSlot(L, li, q)
      }
      spikes += this.updateLayer(L, this.layerBase[li], acc)
    }
    this.lastCost = 2 * this.nNeurons + synOps + 2 * this.pendingEvents + 4 * spikes
    const out: number[] = []
    if (monitorAll) {
      for (let g = 0; g < this.s.length; g++) if (this.s[g]) out.push(g)
    } else {
      model.outputMap.forEach((o, id) => {
        if (this.s[this.layerBase[o.layer] + o.neuron]) out.push(id)
      })
    }
    this.counts.fill(0)
    this.pendingEvents = 0
    this.tick++
    return out
  }

  /** Adds `(W_q · x_q) << w_shift[q]` into the accumulator; returns the synaptic ops performed. */
  private integrateSlot(L: Rp1Layer, li: number, q: number): number {
    const src = L.sources[q]
    const w = L.weights[q]
    const n = L.nNeurons
    const slot = this.slotAcc
    slot.fill(0, 0, n)
    // Layers below L already hold tick k; L itself and later layers still hold tick k-1 (§16.4 step 2).
    const srcBase = src === INPUT_SOURCE ? 0 : this.layerBase[src]
    const x = src === INPUT_SOURCE ? this.counts : this.s
    const ops = this.fanoutOps.get(li * 4 + q)!
    const byCol = this.denseByColumn.get(li * 4 + q)
    let synOps = 0
    for (let j = 0; j < w.cols; j++) {
      const xj = x[srcBase + j]
      if (xj === 0) continue
      synOps += ops[j]
      if (byCol) {
        for (let row = 0, k = j * n; row < n; row++, k++) slot[row] += byCol[k] * xj
      }
    }
    if (w.format === 'csr') {
      for (let row = 0; row < n; row++) {
        let sum = 0
        for (let k = w.rowPtr[row]; k < w.rowPtr[row + 1]; k++) sum += w.values[k] * x[srcBase + w.colIdx[k]]
        slot[row] = sum
      }
    }
    const scale = 1 << L.wShift[q]
    for (let row = 0; row < n; row++) this.acc[row] += slot[row] * scale
    return synOps
  }

  /** The neuron update of §16.4 steps 2.1–2.4 (the §16.5 kernel); returns the spike count. */
  private updateLayer(L: Rp1Layer, base: number, I: Int32Array): number {
    const { v, r, s } = this
    const subtract = L.resetKind === 1
    let spikes = 0
    for (let n = 0; n < L.nNeurons; n++) {
      const g = base + n
      let vv = v[g]
      const d = L.leakShift[n]
      if (d > 0) vv -= vv >> d
      if (r[g] > 0) {
        r[g]--
        s[g] = 0
        v[g] = vv
        continue
      }
      vv = vv + I[n] + L.bias[n]
      vv = vv > 32767 ? 32767 : vv < -32768 ? -32768 : vv
      const th = L.threshold[n]
      if (vv >= th) {
        s[g] = 1
        spikes++
        vv = subtract ? vv - th : 0
        r[g] = L.refractory[n]
      } else {
        s[g] = 0
      }
      v[g] = vv
    }
    return spikes
  }

  /** Copies the dynamic state (membranes, refractory counters, spike bits, tick) for a trial tick. */
  snapshot(): EngineSnapshot {
    return { v: this.v.slice(), r: this.r.slice(), s: this.s.slice(), tick: this.tick }
  }

  /** Restores a snapshot and forgets any events applied since. */
  restore(snap: EngineSnapshot): void {
    this.v.set(snap.v)
    this.r.set(snap.r)
    this.s.set(snap.s)
    this.tick = snap.tick
    this.counts.fill(0)
    this.pendingEvents = 0
  }

  /** State bytes of §16.6: v as i16 LE for every neuron, then r as u8. */
  stateBytes(): Uint8Array {
    const n = this.v.length
    const out = new Uint8Array(3 * n)
    const view = new DataView(out.buffer)
    for (let g = 0; g < n; g++) view.setInt16(2 * g, this.v[g], true)
    out.set(this.r, 2 * n)
    return out
  }
}

function transpose(values: Int8Array, rows: number, cols: number): Int8Array {
  const out = new Int8Array(values.length)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]
  return out
}

function columnCounts(w: Rp1Layer['weights'][number]): Uint32Array {
  const c = new Uint32Array(w.cols)
  if (w.format === 'dense') c.fill(w.rows)
  else for (const col of w.colIdx) c[col]++
  return c
}

function addressMapper(model: Rp1Model): (addr: number) => number {
  const m = model.inputMap
  if (m.kind === 'table') {
    const table = m.channels
    return (addr) => {
      if (addr >= table.length) return -1
      const ch = table[addr]
      return ch === UNMAPPED_CHANNEL ? -1 : ch
    }
  }
  const xMask = (1 << m.xBits) - 1
  const yMask = (1 << m.yBits) - 1
  const usedBits = m.xBits + m.yBits + 1
  const pw = Math.ceil(m.sensorW / (1 << m.poolShiftX))
  const P = 1 + m.splitPolarity
  return (addr) => {
    if (addr >>> usedBits !== 0) return -1
    const x = addr & xMask
    const y = (addr >>> m.xBits) & yMask
    const p = (addr >>> (m.xBits + m.yBits)) & 1
    if (x >= m.sensorW || y >= m.sensorH) return -1
    return ((y >> m.poolShiftY) * pw + (x >> m.poolShiftX)) * P + (P === 2 ? p : 0)
  }
}

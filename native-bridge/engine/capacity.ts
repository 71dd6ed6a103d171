import { SpikelabError } from '../../common/errors.js'
import type { BlobHeader } from './blob-format.js'
import type { Rp1Model } from './model.js'
import { INPUT_SOURCE } from './model.js'

/** Device limits a model must fit (the CAPS fields of §7.2; RP1 values in §16.1). */
export interface DeviceLimits {
  maxNeurons: number
  maxSynapseBytes: number
  slotSize: number
  maxFanin: number
  maxFanout: number
  maxLayers: number
  /** Sources per layer (RP1: 4). */
  maxSources: number
  maxInputs: number
  maxOutputs: number
  maxTableAddrs: number
  maxSelfTestTicks: number
  maxSelfTestEvents: number
}

export const RP1_LIMITS: DeviceLimits = {
  maxNeurons: 4096,
  maxSynapseBytes: 1_048_576,
  slotSize: 2 * 1024 * 1024,
  maxFanin: 4096,
  maxFanout: 4096,
  maxLayers: 16,
  maxSources: 4,
  maxInputs: 4096,
  maxOutputs: 1024,
  maxTableAddrs: 65536,
  maxSelfTestTicks: 10000,
  maxSelfTestEvents: 65536,
}

export type CapacityCode =
  | 'CAPACITY_NEURONS'
  | 'CAPACITY_SYNAPSES'
  | 'CAPACITY_FANIN'
  | 'CAPACITY_FANOUT'
  | 'CAPACITY_LAYERS'
  | 'CAPACITY_IO'
  | 'CAPACITY_STORAGE'
  | 'SECTION_INVALID'

/** A model exceeding a device limit; `detail` carries the limit (§11). */
export class CapacityError extends SpikelabError {
  constructor(code: CapacityCode, message: string, readonly detail: number, field: string) {
    super(code, message, { field, file: 'model blob' })
  }
}

function over(code: CapacityCode, field: string, value: number, limit: number): never {
  throw new CapacityError(code, `${field} ${value} exceeds the device limit ${limit}`, limit, field)
}

/** The checks a device runs on the header alone at DEPLOY_BEGIN, before any erase (§8.2). */
export function checkHeaderCapacity(h: BlobHeader, lim: DeviceLimits): void {
  if (h.totalSize > lim.slotSize) over('CAPACITY_STORAGE', 'total_size', h.totalSize, lim.slotSize)
  if (h.nNeurons > lim.maxNeurons) over('CAPACITY_NEURONS', 'n_neurons', h.nNeurons, lim.maxNeurons)
  if (h.synapseBytes > lim.maxSynapseBytes) over('CAPACITY_SYNAPSES', 'synapse_bytes', h.synapseBytes, lim.maxSynapseBytes)
  if (h.nLayers > lim.maxLayers) over('CAPACITY_LAYERS', 'n_layers', h.nLayers, lim.maxLayers)
  if (h.nInputs > lim.maxInputs) over('CAPACITY_IO', 'n_inputs', h.nInputs, lim.maxInputs)
  if (h.nOutputs > lim.maxOutputs) over('CAPACITY_IO', 'n_outputs', h.nOutputs, lim.maxOutputs)
}

/** Full capacity accounting of a decoded model (§16.1–16.2, rung 3). */
export function checkModelCapacity(h: BlobHeader, model: Rp1Model, lim: DeviceLimits): void {
  checkHeaderCapacity(h, lim)
  const fanout = new Map<number, Uint32Array>()
  const fanoutOf = (src: number) => {
    let f = fanout.get(src)
    if (!f) fanout.set(src, (f = new Uint32Array(src === INPUT_SOURCE ? model.nInputs : model.layers[src].nNeurons)))
    return f
  }
  model.layers.forEach((L, li) => {
    if (L.sources.length > lim.maxSources) over('CAPACITY_LAYERS', `layer ${li} sources`, L.sources.length, lim.maxSources)
    let fanin = 0
    L.weights.forEach((w, q) => {
      const f = fanoutOf(L.sources[q])
      if (w.format === 'dense') {
        fanin += w.cols
        for (let j = 0; j < w.cols; j++) f[j] += w.rows
      } else {
        let widest = 0
        for (let row = 0; row < w.rows; row++) widest = Math.max(widest, w.rowPtr[row + 1] - w.rowPtr[row])
        fanin += widest
        for (const c of w.colIdx) f[c]++
      }
    })
    if (fanin > lim.maxFanin) over('CAPACITY_FANIN', `layer ${li} fan-in`, fanin, lim.maxFanin)
  })
  for (const f of fanout.values()) for (const n of f) if (n > lim.maxFanout) over('CAPACITY_FANOUT', 'fan-out', n, lim.maxFanout)
  const im = model.inputMap
  if (im.kind === 'table' && im.channels.length > lim.maxTableAddrs) over('CAPACITY_IO', 'INPUT_MAP n_addr', im.channels.length, lim.maxTableAddrs)
  const st = model.selfTest
  if (st) {
    if (st.nTicks > lim.maxSelfTestTicks) over('CAPACITY_IO', 'SELFTEST n_ticks', st.nTicks, lim.maxSelfTestTicks)
    if (st.tUs.length > lim.maxSelfTestEvents) over('CAPACITY_IO', 'SELFTEST n_events', st.tUs.length, lim.maxSelfTestEvents)
    const end = st.nTicks * model.tickUs
    if (st.tUs.length > 0 && st.tUs[st.tUs.length - 1] >= end) {
      throw new CapacityError('SECTION_INVALID', `SELFTEST event at ${st.tUs[st.tUs.length - 1]} µs falls after tick ${st.nTicks - 1}`, end, 't_us')
    }
  }
}

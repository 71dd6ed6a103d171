import { Rp1Engine } from './rp1-engine.js'
import type { Rp1Model } from './model.js'
import { sha256 } from './sha256.js'

export interface SelfTestOutcome {
  spikeCount: number
  spikeHash: Uint8Array
  stateHash: Uint8Array
  stateBytes: Uint8Array
  /** Output spikes in emission order. */
  tick: Uint32Array
  id: Uint16Array
}

/** Encodes output spikes as the 8-byte records hashed by §16.6 (`tick u32, id u16, 0 u16`). */
export function spikeRecords(tick: ArrayLike<number>, id: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(8 * tick.length)
  const view = new DataView(out.buffer)
  for (let i = 0; i < tick.length; i++) {
    view.setUint32(8 * i, tick[i], true)
    view.setUint16(8 * i + 4, id[i], true)
  }
  return out
}

/**
 * Runs a sandboxed self-test (§16.6): from reset, `nTicks` ticks; event e applies in tick
 * floor(t_us / tick_us). Events are assumed sorted by time (the blob validator enforces it).
 */
export function runSelfTest(
  model: Rp1Model,
  nTicks: number,
  tUs: ArrayLike<number>,
  addr: ArrayLike<number>,
): SelfTestOutcome {
  const engine = new Rp1Engine(model)
  const ticks: number[] = []
  const ids: number[] = []
  let e = 0
  for (let k = 0; k < nTicks; k++) {
    const end = (k + 1) * model.tickUs
    while (e < tUs.length && tUs[e] < end) engine.applyEvent(addr[e++])
    for (const id of engine.step()) {
      ticks.push(k)
      ids.push(id)
    }
  }
  const tick = Uint32Array.from(ticks)
  const id = Uint16Array.from(ids)
  const stateBytes = engine.stateBytes()
  return {
    spikeCount: tick.length,
    spikeHash: sha256(spikeRecords(tick, id)),
    stateHash: sha256(stateBytes),
    stateBytes,
    tick,
    id,
  }
}

/** Returns the model with its SELFTEST section filled from the emulator (rung 0, §15). */
export function withComputedSelfTest(
  model: Rp1Model,
  nTicks: number,
  tUs: Uint32Array,
  addr: Uint16Array,
  checkState = true,
): Rp1Model {
  const o = runSelfTest(model, nTicks, tUs, addr)
  return {
    ...model,
    selfTest: {
      nTicks,
      flags: checkState ? 1 : 0,
      expectedSpikeCount: o.spikeCount,
      spikeHash: o.spikeHash,
      stateHash: o.stateHash,
      tUs,
      addr,
    },
  }
}

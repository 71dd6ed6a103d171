import { describe, expect, it } from 'vitest'
import {
  Rp1Engine, decodeModelBlob, deployIdOf, encodeModelBlob, runSelfTest, sha256, toHex,
} from '../../../native-bridge/engine/index.js'
import { TV1_EXPECTED, tv1Model } from './tv1-model.js'

describe('RP1 engine against test vector TV1 (§16.7)', () => {
  it('layer 0 neuron 1 membrane over ticks 0..4 (saturation, refractory, negative clamp)', () => {
    const m = tv1Model()
    const st = m.selfTest!
    const e = new Rp1Engine(m)
    const v: number[] = []
    let i = 0
    for (let k = 0; k < 5; k++) {
      while (i < st.tUs.length && st.tUs[i] < (k + 1) * 1000) e.applyEvent(st.addr[i++])
      e.step()
      v.push(e.v[1])
    }
    expect(v).toEqual(TV1_EXPECTED.layer0Neuron1V)
  })

  it('self-test: spike train, count, hashes and final state', () => {
    const m = tv1Model()
    const st = m.selfTest!
    const o = runSelfTest(m, 12, st.tUs, st.addr)
    expect(Array.from(o.tick, (t, i) => [t, o.id[i]])).toEqual(TV1_EXPECTED.spikes)
    expect(o.spikeCount).toBe(13)
    expect(toHex(o.spikeHash)).toBe(TV1_EXPECTED.spikeHash)
    expect(toHex(o.stateHash)).toBe(TV1_EXPECTED.stateHash)
    const view = new DataView(o.stateBytes.buffer)
    expect(Array.from({ length: 5 }, (_, g) => view.getInt16(2 * g, true))).toEqual(TV1_EXPECTED.finalV)
    expect(Array.from(o.stateBytes.subarray(10))).toEqual(TV1_EXPECTED.finalR)
  })

  it('no spikes hashes to SHA-256 of the empty string (§16.6)', () => {
    const o = runSelfTest(tv1Model(), 3, new Uint32Array(0), new Uint16Array(0))
    expect(o.spikeCount).toBe(0)
    expect(toHex(o.spikeHash)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })

  it('reset zeroes state and tick, and a re-run reproduces the same spikes', () => {
    const m = tv1Model()
    const st = m.selfTest!
    const e = new Rp1Engine(m)
    const run = () => {
      const out: string[] = []
      let i = 0
      for (let k = 0; k < 12; k++) {
        while (i < st.tUs.length && st.tUs[i] < (k + 1) * 1000) e.applyEvent(st.addr[i++])
        for (const id of e.step()) out.push(`${k}:${id}`)
      }
      return out
    }
    const first = run()
    e.reset()
    expect(e.tick).toBe(0)
    expect(Array.from(e.v)).toEqual([0, 0, 0, 0, 0])
    expect(run()).toEqual(first)
    expect(first).toEqual(TV1_EXPECTED.spikes.map(([t, id]) => `${t}:${id}`))
  })
})

describe('model blob (§14) for TV1', () => {
  it('encodes to the spec size, section count, accounting, SHA-256 and deploy id', () => {
    const blob = encodeModelBlob(tv1Model())
    expect(blob.length).toBe(TV1_EXPECTED.blobSize)
    const view = new DataView(blob.buffer)
    expect(view.getUint16(46, true)).toBe(TV1_EXPECTED.nSections)
    expect(view.getUint32(52, true)).toBe(TV1_EXPECTED.synapseBytes)
    const sha = sha256(blob)
    expect(toHex(sha)).toBe(TV1_EXPECTED.sha256)
    expect(deployIdOf(sha)).toBe(TV1_EXPECTED.deployId)
  })

  it('decodes back to a model that encodes byte-identically and runs the same', () => {
    const blob = encodeModelBlob(tv1Model())
    const { header, model } = decodeModelBlob(blob)
    expect(header).toMatchObject({ totalSize: 704, nLayers: 2, nNeurons: 5, nInputs: 4, nOutputs: 3, tickUs: 1000 })
    expect(Array.from(encodeModelBlob(model))).toEqual(Array.from(blob))
    const st = model.selfTest!
    expect(toHex(runSelfTest(model, st.nTicks, st.tUs, st.addr).stateHash)).toBe(TV1_EXPECTED.stateHash)
  })
})

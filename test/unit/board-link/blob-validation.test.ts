import { describe, expect, it } from 'vitest'
import {
  BlobError, RP1_LIMITS, checkModelCapacity, decodeBlobHeader, decodeModelBlob, encodeModelBlob,
} from '../../../native-bridge/engine/index.js'
import type { Rp1Model } from '../../../native-bridge/engine/index.js'
import { tv1Model } from './tv1-model.js'

const blob = () => encodeModelBlob(tv1Model())

/** Byte offsets inside the TV1 blob, from the §14 layout (64-byte header, then 8-byte section headers). */
const LAYER_DESC_0 = 64 + 8 // data of the first section
const QUANT_0 = 64 + 2 * 40 + 8

function expectCode(bytes: Uint8Array, code: string): BlobError {
  try {
    decodeModelBlob(bytes)
  } catch (e) {
    expect(e).toBeInstanceOf(BlobError)
    expect((e as BlobError).code).toBe(code)
    return e as BlobError
  }
  throw new Error(`expected ${code}`)
}

describe('blob validation (§14, §16.2)', () => {
  it('header faults: magic, version, total size, reserved, profile', () => {
    const b1 = blob()
    b1[0] = 0x58
    expect(expectCode(b1, 'HEADER_INVALID').location.field).toBe('magic')
    const b2 = blob()
    b2[4] = 2
    expectCode(b2, 'HEADER_INVALID')
    expectCode(blob().subarray(0, 700), 'HEADER_INVALID')
    const b3 = blob()
    b3[62] = 1
    expectCode(b3, 'HEADER_INVALID')
    const b4 = blob()
    b4[60] = 3
    expectCode(b4, 'UNSUPPORTED_PROFILE')
    const b5 = blob()
    b5[48] = 6 // n_neurons 6 vs 5 in sections
    expect(expectCode(b5, 'HEADER_INVALID').location.byteOffset).toBe(48)
    expect(() => decodeBlobHeader(new Uint8Array(10))).toThrow(BlobError)
  })

  it('section faults: order, padding, reserved bytes, ranges', () => {
    const b1 = blob()
    b1[LAYER_DESC_0] = 1 // kind CONV2D
    expectCode(b1, 'UNSUPPORTED_MODEL')
    const b2 = blob()
    b2[LAYER_DESC_0 + 20] = 1 // reserved tail
    expectCode(b2, 'SECTION_INVALID')
    const b3 = blob()
    b3[QUANT_0 + 6] = 0 // overflow_kind WRAP
    expectCode(b3, 'UNSUPPORTED_QUANT')
    const b4 = blob()
    b4[QUANT_0 + 8] = 8 // w_shift 8
    expectCode(b4, 'UNSUPPORTED_QUANT')
    // Swap the type of the two LAYER_DESC sections' indices: section 1 becomes index 0 again (duplicate).
    const b5 = blob()
    b5[64 + 40 + 2] = 0
    expectCode(b5, 'SECTION_INVALID')
  })

  it('model faults found through the encoder: thresholds, CSR structure, input map', () => {
    const bad = (edit: (m: Rp1Model) => void, code: string) => {
      const m = tv1Model()
      edit(m)
      expectCode(encodeModelBlob(m), code)
    }
    bad((m) => (m.layers[0].threshold[1] = 0), 'SECTION_INVALID')
    bad((m) => (m.layers[0].refractory[0] = 64), 'SECTION_INVALID')
    bad((m) => (m.layers[0].leakShift[0] = 16), 'SECTION_INVALID')
    bad((m) => {
      const w = m.layers[1].weights[1]
      if (w.format === 'csr') w.colIdx[0] = 2 // ≥ cols
    }, 'SECTION_INVALID')
    bad((m) => {
      if (m.inputMap.kind === 'table') m.inputMap.channels[0] = 4 // ≥ n_inputs
    }, 'SECTION_INVALID')
    bad((m) => (m.inputMap.countMax = 16), 'SECTION_INVALID')
    bad((m) => (m.outputMap[0] = { layer: 1, neuron: 2 }), 'SECTION_INVALID')
    bad((m) => (m.layers[1].sources = [0, 0]), 'SECTION_INVALID')
  })

  it('capacity against device limits names the limit', () => {
    const { header, model } = decodeModelBlob(blob())
    expect(() => checkModelCapacity(header, model, RP1_LIMITS)).not.toThrow()
    const expectCap = (lim: Partial<typeof RP1_LIMITS>, code: string, detail: number) => {
      try {
        checkModelCapacity(header, model, { ...RP1_LIMITS, ...lim })
        throw new Error('no error')
      } catch (e) {
        expect(e).toMatchObject({ code, detail })
      }
    }
    expectCap({ maxNeurons: 4 }, 'CAPACITY_NEURONS', 4)
    expectCap({ maxSynapseBytes: 35 }, 'CAPACITY_SYNAPSES', 35)
    // Fan-in is 4 in both layers: layer 0 has 4 input columns; layer 1 has 3 dense + 1 (largest CSR row).
    expectCap({ maxFanin: 3 }, 'CAPACITY_FANIN', 3)
    // Each input channel feeds the 3 rows of layer 0 (fan-out 3); layer-0 neurons feed 2, layer-1 neurons 1.
    expectCap({ maxFanout: 2 }, 'CAPACITY_FANOUT', 2)
    expectCap({ maxLayers: 1 }, 'CAPACITY_LAYERS', 1)
    expectCap({ maxOutputs: 2 }, 'CAPACITY_IO', 2)
    expectCap({ maxSelfTestTicks: 11 }, 'CAPACITY_IO', 11)
    expectCap({ slotSize: 703 }, 'CAPACITY_STORAGE', 703)
  })

  it('a self-test event after the last tick is rejected', () => {
    const m = tv1Model()
    m.selfTest!.nTicks = 11 // the event at 11999 µs falls in tick 11
    const { header, model } = decodeModelBlob(encodeModelBlob(m))
    expect(() => checkModelCapacity(header, model, RP1_LIMITS)).toThrow(/after tick 10/)
  })
})

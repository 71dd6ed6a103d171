import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { coarseConfig, CoarseNetwork, initBackend, readoutClasses, SeededRandom } from '../../../main/snn/index.js'

/** Output spikes or drive [T, B, C] from per-step rows [step][sample][class]. */
const stack = (rows: number[][][]): Float32Array => Float32Array.from(rows.flat(2))

describe('coarse LIF read-out (output spike counts → class)', () => {
  afterAll(() => tf.disposeVariables())

  // T = 2, B = 2, C = 3. Sample 0: classes 1 and 2 both fire twice (a tie), class 2 got more input.
  // Sample 1: class 0 fires twice, class 2 once but with far more input.
  const spikes = stack([
    [[0, 1, 1], [1, 0, 1]],
    [[1, 1, 1], [1, 0, 0]],
  ])
  const drive = stack([
    [[0.2, 1.1, 1.3], [1.2, 0.1, 5]],
    [[0.9, 1.0, 1.2], [1.1, 0.1, 0.3]],
  ])

  it("'count' gives a tie to the lowest class, as the paper code's argmax does", () => {
    expect(Array.from(readoutClasses(spikes, drive, 2, 3, 'count'))).toEqual([1, 0])
  })

  it("'count-then-drive' gives a tie to the class with the most summed input; a unique top count still wins", () => {
    // sample 0: 1 and 2 tie at 2 spikes, input 2.1 vs 2.5 → 2; sample 1: class 0 has the top count (2) despite class 2's 5.3
    expect(Array.from(readoutClasses(spikes, drive, 2, 3, 'count-then-drive'))).toEqual([2, 0])
  })

  it('checks the shapes', () => {
    expect(() => readoutClasses(new Float32Array(5), new Float32Array(5), 2, 3, 'count')).toThrow(/not a multiple of 2 steps × 3 classes/)
    expect(() => readoutClasses(spikes, new Float32Array(3), 2, 3, 'count-then-drive')).toThrow(/drive has 3 values/)
  })

  it('the network reports the output layer’s synaptic input per interval', async () => {
    await initBackend('cpu')
    const net = new CoarseNetwork([2], [{ type: 'dense', units: 2, bias: false }, { type: 'coarse-lif', tau: 4 }], new SeededRandom(0))
    const layer = net.layers[0]
    if (layer.kind !== 'dense') throw new Error('expected dense')
    tf.tidy(() => layer.layer.kernel.assign(tf.tensor2d([[0.3, 0.7], [0.5, -0.2]])))
    // one sample, two intervals: input spikes (1, 0) then (1, 1) → x = (0.3, 0.7) then (0.8, 0.5)
    const out = net.forward({ shape: [2, 1, 2], data: Uint8Array.of(1, 0, 1, 1) })
    expect(Array.from(out.outputDrive)).toEqual([0.3, 0.7, 0.8, 0.5].map(Math.fround))
    out.spikes.dispose()
    net.dispose()
  })

  it('is a checked config field, by default the tie-break on input', () => {
    expect(coarseConfig().readout).toBe('count-then-drive')
    expect(() => coarseConfig({ readout: 'first-spike' as never })).toThrow(expect.objectContaining({ location: expect.objectContaining({ field: 'readout' }) }))
  })
})

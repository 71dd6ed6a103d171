import { describe, expect, it } from 'vitest'
import { CancelledError } from '../../../common/errors.js'
import type { FloatNetwork } from '../../../main/deploy/index.js'
import { compileNetwork, previewModel } from '../../../main/deploy/index.js'

// One input, one integrate-and-fire neuron (β 1) driven down by weight −1: it never fires and its
// membrane walks to the i16 rail.
const sink: FloatNetwork = {
  inputShape: [1], dtSeconds: 1e-3, source: 'test', warnings: [],
  layers: [
    { kind: 'dense', inFeatures: 1, outFeatures: 1, weight: Float32Array.of(-1), bias: null },
    { kind: 'lif', size: 1, beta: Float32Array.of(1), threshold: Float32Array.of(1), reset: 'subtract' },
  ],
}

describe('previewModel', () => {
  it('counts neuron-ticks on the i16 rail, reports progress, and stops on abort', async () => {
    const { model, report } = compileNetwork(sink)
    // |w| 1, range 4θ: S_max 8191.75 → shift 6, S = 127·64 = 8128; each event adds −127 << 6 = −8128.
    expect(report.layers[0].wShift).toEqual([6])
    expect(model.layers[0].decayKind).toBe(0)
    const sample = { nTicks: 10, tUs: Uint32Array.from({ length: 10 }, (_, k) => k * 1000), addr: new Uint32Array(10), label: 0 }
    const progress: number[] = []
    const r = await previewModel({ model }, [sample], { float: sink, onProgress: (p) => progress.push(p.fraction) })
    // v: −8128, −16256, −24384, −32512, then −32768 (clamped) for ticks 4…9 → 6 neuron-ticks on the rail.
    expect(r.saturation).toEqual([{ layer: 0, atRail: 6 }])
    expect(r.outputSpikes).toBe(0)
    expect(r.predictions).toEqual([-1])
    expect(r.accuracy).toBe(0)
    expect(r.agreement).toBe(1)
    expect(progress.at(-1)).toBe(1)
    const abort = new AbortController()
    abort.abort()
    await expect(previewModel({ model }, [sample], { signal: abort.signal })).rejects.toBeInstanceOf(CancelledError)
  })
})

import type { Rp1Model } from '../../native-bridge/engine/index.js'
import { Rp1Engine, decodeModelBlob } from '../../native-bridge/engine/index.js'
import { modelMetadata } from './compile.js'
import type { EvaluationOptions, EvaluationReport } from './evaluation.js'
import { evaluateSamples } from './evaluation.js'
import type { InputSample } from './samples.js'

/** A compiled model, as a blob or decoded. */
export type ModelInput = { readonly blob: Uint8Array } | { readonly model: Rp1Model }

export function resolveModel(input: ModelInput): Rp1Model {
  return 'model' in input ? input.model : decodeModelBlob(input.blob).model
}

/** Output labels from the model's METADATA, else the output positions. */
export function modelLabels(model: Rp1Model): string[] {
  return modelMetadata(model)?.labels ?? model.outputMap.map((_, i) => String(i))
}

/**
 * Runs the quantized model on the host RP1 engine (the kernel the board runs) over `samples`, each
 * from a state reset, events applied in tick floor(t / tick_us) like a stepped board run.
 */
export async function previewModel(input: ModelInput, samples: readonly InputSample[], options: EvaluationOptions = {}): Promise<EvaluationReport> {
  const model = resolveModel(input)
  const engine = new Rp1Engine(model)
  const layerRanges = model.layers.map((l, li) => {
    const start = model.layers.slice(0, li).reduce((a, x) => a + x.nNeurons, 0)
    return [start, start + l.nNeurons] as const
  })
  const rails = model.layers.map(() => 0)
  const run = (sample: InputSample): Promise<number[][]> => {
    engine.reset()
    const perTick: number[][] = []
    let e = 0
    for (let k = 0; k < sample.nTicks; k++) {
      const end = (k + 1) * model.tickUs
      while (e < sample.tUs.length && sample.tUs[e] < end) engine.applyEvent(sample.addr[e++])
      perTick.push(engine.step(true))
      layerRanges.forEach(([a, b], li) => {
        for (let g = a; g < b; g++) if (engine.v[g] === 32767 || engine.v[g] === -32768) rails[li]++
      })
    }
    return Promise.resolve(perTick)
  }
  return evaluateSamples('preview', model, modelLabels(model), samples, run, options, () => rails)
}

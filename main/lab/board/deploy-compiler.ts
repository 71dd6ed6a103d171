/**
 * The lab's bridge to main/deploy: compile a training run or NIR graph to a blob (capacity checked
 * against the connected board), the host preview (float vs quantized), and evaluation on the board,
 * all on the model's own held-out MNIST digits when it records its dataset.
 */
import { SpikelabError } from '../../../common/errors.js'
import type { EvaluateResult } from '../../../common/contract/schemas.js'
import { compileNetwork, evaluateOnBoard, loadFloatNetwork, mnistTestSamples, modelMetadata, previewModel } from '../../deploy/index.js'
import type { EvaluationReport, FloatNetwork, InputSample, LoadedNetwork } from '../../deploy/index.js'
import { decodeModelBlob } from '../../../native-bridge/engine/index.js'
import type { ModelCompiler } from './deploy-service.js'
import type { EvaluationBackend } from './evaluation-service.js'

export type ModelSource = { kind: 'run'; folder: string } | { kind: 'nir'; file: string }

const CALIBRATION_SAMPLES = 64
const EVALUATION_SAMPLES = 200

export const deployCompiler: ModelCompiler = {
  async compile(source, limits) {
    const loaded = await loadFloatNetwork(source.kind === 'run' ? source.folder : source.file)
    const tickUs = Math.round(loaded.network.dtSeconds * 1e6)
    const calibration = loaded.dataset ? mnistTestSamples(loaded.dataset, { count: CALIBRATION_SAMPLES, tickUs, which: 'train' }) : undefined
    const compiled = compileNetwork(loaded.network, { limits, calibration, dataset: loaded.dataset ?? undefined })
    const r = compiled.report
    const notes = [
      `input map: ${r.inputMap}`,
      ...r.layers.map((l) => `layer ${l.layer}: ${l.neurons} neurons, w_shift [${l.wShift.join(', ')}], ${l.weightSaturated} of ${l.weightCount} weights saturated, ${l.weightZeroed} rounded to 0, threshold ${l.threshold.float.toPrecision(3)} → ${l.threshold.int}`),
      `calibrated on ${r.calibrationSamples} samples; self-test ${r.selfTest.nTicks} ticks, ${r.selfTest.spikeCount} spikes`,
      ...r.warnings,
    ]
    return { blob: compiled.blob, notes, saturated: r.layers.map((l) => l.weightSaturated) }
  },
}

/** Evaluation inputs: the float network and its held-out digits, when the model's source says which. */
async function evaluationSet(source: ModelSource | null, blob: Uint8Array): Promise<{ float: FloatNetwork | undefined; samples: InputSample[] }> {
  const model = decodeModelBlob(blob).model
  const tickUs = model.tickUs
  const loaded: LoadedNetwork | null = source ? await loadFloatNetwork(source.kind === 'run' ? source.folder : source.file) : null
  // A compiled blob names its training split in METADATA: evaluate on it even without the float network.
  const recorded = modelMetadata(model)?.dataset ?? null
  if (!loaded?.dataset && recorded) return { float: undefined, samples: mnistTestSamples(recorded, { count: EVALUATION_SAMPLES, tickUs }) }
  if (!loaded?.dataset) {
    throw new SpikelabError('no-evaluation-set', 'this model records no labelled dataset to evaluate on (training runs do); run it on live events or a recording instead', { field: 'ref' })
  }
  return { float: loaded.network, samples: mnistTestSamples(loaded.dataset, { count: EVALUATION_SAMPLES, tickUs }) }
}

function summary(preview: EvaluationReport, board: EvaluationReport | null): EvaluateResult {
  const pct = (a: number | null) => (a === null ? '—' : `${(a * 100).toFixed(1)} %`)
  const parts = [`${preview.count} held-out samples`, `float ${pct(preview.floatAccuracy)}`, `quantized preview ${pct(preview.accuracy)}`]
  if (board) {
    parts.push(`board ${pct(board.accuracy)}`)
    const same = board.predictions.filter((p, i) => p === preview.predictions[i]).length
    parts.push(`board and preview agree on ${same} of ${board.count}`)
  } else parts.push(`${preview.disagreementCount} float/quantized disagreements`)
  return { samples: preview.count, boardAccuracy: board?.accuracy ?? null, previewAccuracy: preview.accuracy, floatAccuracy: preview.floatAccuracy, detail: parts.join(' · ') }
}

export function deployEvaluationBackend(sourceOf: (ref: string) => Promise<ModelSource | null>): EvaluationBackend {
  return {
    async preview(ref, blob, ctx) {
      const { float, samples } = await evaluationSet(await sourceOf(ref), blob)
      const report = await previewModel({ blob }, samples, { float, signal: ctx.signal, onProgress: (p) => ctx.progress({ fraction: p.fraction, message: p.message }) })
      return summary(report, null)
    },
    async evaluateOnBoard(ref, blob, client, ctx) {
      const { float, samples } = await evaluationSet(await sourceOf(ref), blob)
      const preview = await previewModel({ blob }, samples, { float, signal: ctx.signal, onProgress: (p) => ctx.progress({ fraction: p.fraction * 0.2, message: `preview: ${p.message}` }) })
      const board = await evaluateOnBoard(client, { blob }, samples, { signal: ctx.signal, onProgress: (p) => ctx.progress({ fraction: 0.2 + p.fraction * 0.8, message: `board: ${p.message}` }) })
      return summary(preview, board)
    },
  }
}

import { SpikelabError } from '../../common/errors.js'
import type { BoardLinkClient, SpikesEvent } from '../../native-bridge/board-link/index.js'
import { bytesEqual, sha256 } from '../../native-bridge/engine/index.js'
import type { EvaluationOptions, EvaluationReport } from './evaluation.js'
import { evaluateSamples } from './evaluation.js'
import type { ModelInput } from './preview.js'
import { modelLabels, resolveModel } from './preview.js'
import type { InputSample } from './samples.js'

/** Longest wait for one sample's final SPIKES_OUT frame. */
const SAMPLE_TIMEOUT_MS = 30_000

/**
 * Runs `samples` through a board over the link (the model must be its active one): per sample a
 * stepped RUN with RESET_FIRST and MONITOR_ALL for exactly its ticks, the events as EVENTS_IN, the
 * spikes collected from SPIKES_OUT until the FINAL frame. Stepped runs are loss-free and
 * bit-reproducible (§9.2), so the report compares one to one with `previewModel`.
 */
export async function evaluateOnBoard(
  client: BoardLinkClient,
  input: ModelInput,
  samples: readonly InputSample[],
  options: EvaluationOptions = {},
): Promise<EvaluationReport> {
  const model = resolveModel(input)
  await client.connect()
  const caps = await client.getCaps()
  if ('blob' in input && !bytesEqual(caps.activeSha256, sha256(input.blob))) {
    throw new SpikelabError('BAD_STATE', 'the board runs a different model than the one given; deploy it first', { field: 'model' })
  }
  const runSample = async (sample: InputSample): Promise<number[][]> => {
    const perTick: number[][] = Array.from({ length: sample.nTicks }, () => [])
    let onSpikes: ((s: SpikesEvent) => void) | null = null
    let timer: NodeJS.Timeout | undefined
    const finished = new Promise<void>((resolve, reject) => {
      onSpikes = (s: SpikesEvent) => {
        for (let j = 0; j < s.tick.length; j++) {
          const k = s.tick[j]
          if (k < sample.nTicks) perTick[k].push(s.id[j])
        }
        if (s.final) resolve()
      }
      client.on('spikes', onSpikes)
      timer = setTimeout(() => reject(new SpikelabError('TIMEOUT', `no final SPIKES_OUT within ${SAMPLE_TIMEOUT_MS / 1000} s`, { field: 'samples' })), SAMPLE_TIMEOUT_MS)
    })
    try {
      await client.run({ stepped: true, monitorAll: true, resetFirst: true, stopAfter: sample.nTicks })
      await client.sendEvents(sample.tUs, sample.addr, sample.nTicks * model.tickUs)
      await finished
    } finally {
      clearTimeout(timer)
      if (onSpikes) client.off('spikes', onSpikes)
    }
    for (const ids of perTick) ids.sort((a, b) => a - b)
    return perTick
  }
  return evaluateSamples('board', model, modelLabels(model), samples, runSample, options)
}

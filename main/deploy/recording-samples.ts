import type { EventBatch } from '../../common/event-batch.js'
import { SpikelabError } from '../../common/errors.js'
import type { InputMap } from '../../native-bridge/engine/index.js'
import { openEventFile } from '../events/index.js'
import { dvsAddress } from './input-map.js'
import type { InputSample } from './samples.js'

export interface RecordingSampleOptions {
  readonly tickUs: number
  /** Ticks per sample: the recording is cut into consecutive windows of this many ticks. */
  readonly ticksPerSample: number
  /** Class index of every window (a labelled recording), if any. */
  readonly label?: number
  /** Stop after this many windows (default 1000). */
  readonly maxSamples?: number
}

/**
 * Cuts DVS events (time-ordered) into consecutive samples of `ticksPerSample` ticks, each timed from
 * its own start, with the sensor addresses a DVS_POOL input map expects (`x | y << x_bits | p << …`).
 */
export function eventSamples(batches: readonly EventBatch[], map: InputMap, opts: RecordingSampleOptions): InputSample[] {
  if (map.kind !== 'dvs-pool') throw new SpikelabError('BAD_PARAM', 'recordings need a model with a DVS_POOL input map (compile with --input dvs128)', { field: 'inputMap' })
  const windowUs = opts.ticksPerSample * opts.tickUs
  const max = opts.maxSamples ?? 1000
  const out: InputSample[] = []
  let start: number | null = null
  let t: number[] = []
  let a: number[] = []
  const flush = () => {
    out.push({ nTicks: opts.ticksPerSample, tUs: Uint32Array.from(t), addr: Uint32Array.from(a), ...(opts.label !== undefined ? { label: opts.label } : {}) })
    t = []
    a = []
  }
  for (const b of batches) {
    for (let i = 0; i < b.t.length && out.length < max; i++) {
      start ??= b.t[i]
      while (b.t[i] - start >= windowUs && out.length < max) {
        flush()
        start += windowUs
      }
      if (out.length >= max) break
      if (b.x[i] >= map.sensorW || b.y[i] >= map.sensorH) continue
      t.push(Math.max(0, Math.floor(b.t[i] - start)))
      a.push(dvsAddress(map, b.x[i], b.y[i], b.p[i]))
    }
  }
  if (t.length > 0 && out.length < max) flush()
  return out
}

/** `eventSamples` of an event file (any format Spikelab reads). */
export async function recordingSamples(file: string, map: InputMap, opts: RecordingSampleOptions): Promise<InputSample[]> {
  const events = await openEventFile(file)
  const batches: EventBatch[] = []
  const max = opts.maxSamples ?? 1000
  let first: number | null = null
  for await (const b of events.batches()) {
    if (b.t.length === 0) continue
    first ??= b.t[0]
    batches.push(b)
    if (b.t[b.t.length - 1] - first >= max * opts.ticksPerSample * opts.tickUs) break
  }
  return eventSamples(batches, map, opts)
}

/**
 * The board's recorded output spikes as a spike source.
 *
 * Format (chosen to reuse the event codecs, documented in ARCHITECTURE.md): a board spike recording
 * is an AEDAT 4.0 event file whose geometry is `outputs × 1` and whose events are
 * `(t = tick · tick_us µs, x = output id, y = 0, p = 1)` — one event per SPIKES_OUT record
 * (board-link §9.4, record format 0: absolute tick and id; ids are OUTPUT_MAP positions, or global
 * neuron indices under MONITOR_ALL). Reading any AEDAT 4 file as spikes maps address (x, y) to neuron
 * `y · width + x`, so a sensor recording opens too (every pixel a "neuron").
 */
import { rename, rm } from 'node:fs/promises'
import type { EventBatch } from '../../common/event-batch.js'
import { SpikelabError } from '../../common/errors.js'
import { openEventFile, writeEventFile } from '../events/index.js'
import { sortBatch, type SpikeRecording, type SpikeUnit } from './recording.js'

/** The part of a decoded SPIKES_OUT payload (or a host-client 'spikes' event) a recording needs. */
export interface BoardSpikeRecords {
  /** Absolute model ticks. */
  readonly tick: ArrayLike<number>
  readonly id: ArrayLike<number>
}

/** SPIKES_OUT records → events (t in µs of model time, x = output id, y = 0, p = 1). */
export function boardSpikesToEvents(frames: readonly BoardSpikeRecords[], tickUs: number): EventBatch {
  if (!(Number.isInteger(tickUs) && tickUs > 0)) throw new SpikelabError('spikes.board', `tick_us must be a positive whole number of µs (got ${tickUs})`, { field: 'tickUs' })
  let n = 0
  for (const f of frames) {
    if (f.tick.length !== f.id.length) throw new SpikelabError('spikes.board', `a SPIKES_OUT frame has ${f.tick.length} ticks but ${f.id.length} ids`, { field: 'id' })
    n += f.tick.length
  }
  const t = new Float64Array(n)
  const x = new Uint16Array(n)
  let k = 0
  for (const f of frames)
    for (let i = 0; i < f.tick.length; i++, k++) {
      t[k] = f.tick[i] * tickUs
      x[k] = f.id[i]
    }
  // Frames arrive in tick order, but a MORE-continued tick may repeat; keep time order stable.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => t[a] - t[b] || x[a] - x[b])
  return { t: Float64Array.from(order, (i) => t[i]), x: Uint16Array.from(order, (i) => x[i]), y: new Uint16Array(n), p: new Uint8Array(n).fill(1) }
}

/** Writes the board's output spikes as an AEDAT 4 file (temporary name, then renamed: nothing half-written). */
export async function writeBoardSpikeFile(file: string, frames: readonly BoardSpikeRecords[], o: { tickUs: number; outputs: number }): Promise<number> {
  if (!(Number.isInteger(o.outputs) && o.outputs >= 1 && o.outputs <= 0x7fff)) throw new SpikelabError('spikes.board', `outputs must be 1…32767 (got ${o.outputs})`, { field: 'outputs' })
  const events = boardSpikesToEvents(frames, o.tickUs)
  for (let k = 0; k < events.x.length; k++)
    if (events.x[k] >= o.outputs) throw new SpikelabError('spikes.board', `spike ${k} has id ${events.x[k]}, but the board has ${o.outputs} outputs`, { field: 'id', row: k + 1 })
  const temp = `${file}.part-${process.pid}`
  try {
    const n = await writeEventFile(temp, 'aedat4', [events], { geometry: { width: o.outputs, height: 1 } })
    await rename(temp, file)
    return n
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
}

/** Reads an event file as spike trains: neuron = y·width + x, t in s (µs / 10⁶), absolute time base. */
export async function readEventSpikeFile(file: string): Promise<SpikeRecording> {
  const ev = await openEventFile(file)
  const t: number[] = []
  const address: number[] = []
  let width = 0
  let offCount = 0
  for await (const b of ev.batches()) {
    width = ev.geometry?.width ?? width
    for (let k = 0; k < b.t.length; k++) {
      t.push(b.t[k] / 1e6)
      address.push(b.y[k] * Math.max(1, width) + b.x[k])
      if (b.p[k] === 0) offCount++
    }
  }
  const ids = [...new Set(address)].sort((a, b) => a - b)
  const index = new Map(ids.map((id, i) => [id, i]))
  const units: SpikeUnit[] = ids.map((id) => ({ id: String(id), channel: id }))
  const warnings: string[] = []
  const height = ev.geometry?.height ?? 1
  if (height > 1) warnings.push(`a ${width}×${height} event file: neuron id = y·${width} + x`)
  if (offCount > 0) warnings.push(`${offCount} events with polarity 0 were read as spikes too (board spike files hold only p = 1)`)
  const batch = sortBatch({ t: Float64Array.from(t), neuron: Uint32Array.from(address, (a) => index.get(a)!) })
  return { sourceFormat: 'events', units, batch, timeBase: 'absolute', warnings }
}

/**
 * Time windows of recordings for playback. AEDAT 4 files with a FileDataTable (every recording
 * Spikelab makes) are read through their index, whatever their size. Other files are decoded once
 * into one event batch so that any window is two binary searches away; those are bounded to
 * MAX_PLAYBACK_EVENTS, and only the most recently used few stay in memory.
 */
import { concatEventBatches, sliceEventBatch, type EventBatch } from '../../../common/event-batch.js'
import { SpikelabError } from '../../../common/errors.js'
import { openEventFile, readAedat4Window } from '../../events/index.js'

export const MAX_PLAYBACK_EVENTS = 5_000_000
const KEPT = 3

export class PlaybackCache {
  private readonly loaded = new Map<string, Promise<EventBatch>>()

  async window(file: string, format: string, fromUs: number, toUs: number): Promise<EventBatch> {
    if (format === 'aedat4') {
      const indexed = await readAedat4Window(file, fromUs, toUs)
      if (indexed) return indexed
    }
    const all = await this.load(file)
    return sliceEventBatch(all, lowerBound(all.t, fromUs), lowerBound(all.t, toUs))
  }

  private load(file: string): Promise<EventBatch> {
    let entry = this.loaded.get(file)
    if (entry) {
      this.loaded.delete(file) // re-insert as most recent
      this.loaded.set(file, entry)
      return entry
    }
    entry = (async () => {
      const batches: EventBatch[] = []
      let n = 0
      for await (const b of (await openEventFile(file)).batches()) {
        n += b.t.length
        if (n > MAX_PLAYBACK_EVENTS) throw new SpikelabError('playback-too-large', `playback holds at most ${MAX_PLAYBACK_EVENTS.toLocaleString('en-US')} events in memory; this recording has more (AEDAT 4 files with an index have no limit: convert it)`, { file })
        batches.push(b)
      }
      return concatEventBatches(batches)
    })()
    entry.catch(() => this.loaded.delete(file))
    this.loaded.set(file, entry)
    while (this.loaded.size > KEPT) this.loaded.delete(this.loaded.keys().next().value as string)
    return entry
  }
}

function lowerBound(t: Float64Array, value: number): number {
  let lo = 0
  let hi = t.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (t[mid] < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

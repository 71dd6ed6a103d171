/**
 * Time windows of recordings for playback, whatever their size: AEDAT 4 files with a FileDataTable
 * (every recording Spikelab makes) are read through that table; every other format through its
 * sparse seek index (built at import, or on first playback, and kept beside the catalog). Only the
 * segments a window overlaps are decoded.
 */
import { concatEventBatches, type EventBatch } from '../../../common/event-batch.js'
import { readAedat4Window, readIndexedWindow, seekIndexMatches, type SeekIndex } from '../../events/index.js'
import type { SeekIndexStore } from './seek-index-store.js'

/** The largest window playback returns at once (a few seconds of a busy sensor). */
export const MAX_WINDOW_EVENTS = 20_000_000
const KEPT_INDEXES = 16

export interface PlaybackSource {
  readonly path: string
  readonly format: string
  readonly fingerprint: string
}

export class PlaybackCache {
  private readonly indexes = new Map<string, SeekIndex>()

  constructor(private readonly store: SeekIndexStore) {}

  async window(source: PlaybackSource, fromUs: number, toUs: number): Promise<EventBatch> {
    if (source.format === 'aedat4') {
      const indexed = await readAedat4Window(source.path, fromUs, toUs)
      if (indexed) return indexed
    }
    const index = await this.index(source)
    return concatEventBatches(await readIndexedWindow(source.path, index, fromUs, toUs, { maxEvents: MAX_WINDOW_EVENTS }))
  }

  private async index(source: PlaybackSource): Promise<SeekIndex> {
    const key = `${source.fingerprint}:${source.path}`
    const known = this.indexes.get(key)
    this.indexes.delete(key)
    // a recording that changed on disk since it was indexed is indexed again
    const index = known && (await seekIndexMatches(source.path, known)) ? known : await this.store.forFile(source.path, source.fingerprint)
    this.indexes.set(key, index) // most recent last
    while (this.indexes.size > KEPT_INDEXES) this.indexes.delete(this.indexes.keys().next().value as string)
    return index
  }
}

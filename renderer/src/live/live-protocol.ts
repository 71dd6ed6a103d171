/** Messages between the Live view and its drawing worker. */
import type { LiveBinSettings } from '../../../common/contract/live-bins'
import type { RasterSort } from './raster-strip'

export interface LiveSettings {
  readonly decayMs: number
  readonly rasterMsPerColumn: number
  readonly sortBy: RasterSort
}

/** What the host needs to bin the live stream for a view with these settings (µs, as live-bins.ts counts). */
export function liveBinSettings(settings: Pick<LiveSettings, 'decayMs' | 'rasterMsPerColumn'>): LiveBinSettings {
  return { decayUs: settings.decayMs * 1000, usPerColumn: settings.rasterMsPerColumn * 1000 }
}

export type ToLiveWorker =
  | { readonly kind: 'init'; readonly frame: OffscreenCanvas; readonly raster: OffscreenCanvas; readonly width: number; readonly height: number }
  | { readonly kind: 'events'; readonly t: Float64Array; readonly x: Uint16Array; readonly y: Uint16Array; readonly p: Uint8Array }
  /** Electron: a binned live update (binary frame kind 4) the page received, transferred as it came. */
  | { readonly kind: 'bins'; readonly buffer: ArrayBuffer }
  /** Browser mode: the worker opens the live stream on its own WebSocket at `url` (null: closes it). */
  | { readonly kind: 'stream'; readonly url: string | null }
  | ({ readonly kind: 'settings' } & LiveSettings)
  /** Frozen: events are still counted but not drawn; the frame stays as it was at `frozen.atUs`. */
  | { readonly kind: 'freeze'; readonly frozen: boolean }
  | { readonly kind: 'clear' }

export type FromLiveWorker =
  | {
      readonly kind: 'stats'
      /** Mean drawing time per animation frame over the last second, ms. */
      readonly drawMs: number
      readonly framesPerSecond: number
      /** Events that reached the drawing per second (binned updates count the events they fold). */
      readonly eventsPerSecond: number
      /** Every frame of the last second: time since the previous frame and drawing time, ms. */
      readonly frameIntervalsMs: readonly number[]
      readonly drawTimesMs: readonly number[]
      /** Event time the frame shows, µs (null before the first event). */
      readonly frameAtUs: number | null
    }
  | { readonly kind: 'frozen'; readonly atUs: number | null }

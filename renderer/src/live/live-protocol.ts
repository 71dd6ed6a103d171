/** Messages between the Live view and its drawing worker. */
export type ToLiveWorker =
  | { readonly kind: 'init'; readonly frame: OffscreenCanvas; readonly raster: OffscreenCanvas; readonly width: number; readonly height: number }
  | { readonly kind: 'events'; readonly t: Float64Array; readonly x: Uint16Array; readonly y: Uint16Array; readonly p: Uint8Array }
  | { readonly kind: 'settings'; readonly decayMs: number; readonly rasterMsPerColumn: number }
  | { readonly kind: 'clear' }

export interface FromLiveWorker {
  readonly kind: 'stats'
  /** Mean drawing time per animation frame over the last second, ms. */
  readonly drawMs: number
  readonly framesPerSecond: number
  readonly eventsPerSecond: number
}

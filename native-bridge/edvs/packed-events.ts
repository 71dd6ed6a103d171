import type { EventBatch } from '../../common/event-batch.js'

/** Bytes per event in the packed layout: t f64, x u16, y u16, p u8. */
export const PACKED_EVENT_BYTES = 13

/**
 * An event batch of `capacity` events whose columns share one ArrayBuffer (t f64 | x u16 | y u16 |
 * p u8, each column `capacity` long), so it crosses between threads as a single transfer. The
 * parser thread posts its batches in this layout and the recorder thread receives it.
 */
export function packedEventBatch(capacity: number): EventBatch {
  return viewPackedEvents(new ArrayBuffer(capacity * PACKED_EVENT_BYTES), capacity, capacity)
}

/** The first `count` events of a packed batch of `capacity` in `buffer`. */
export function viewPackedEvents(buffer: ArrayBuffer, capacity: number, count: number): EventBatch {
  return {
    t: new Float64Array(buffer, 0, count),
    x: new Uint16Array(buffer, capacity * 8, count),
    y: new Uint16Array(buffer, capacity * 10, count),
    p: new Uint8Array(buffer, capacity * 12, count),
  }
}

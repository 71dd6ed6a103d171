/**
 * Which event time the live frame shows. While events keep arriving it is the newest event's time,
 * so the frame is a pure function of the events (playback can redraw it). When the stream pauses
 * for longer than `STALL_MS`, time runs on with the wall clock so the frame fades out instead of
 * freezing on the last events.
 */
export const STALL_MS = 100

export function liveFrameTime(newestEventUs: number, msSinceLastEvents: number): number {
  return newestEventUs + Math.max(0, msSinceLastEvents - STALL_MS) * 1000
}

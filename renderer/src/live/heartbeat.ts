/**
 * Heartbeat age for the health display: how long since the sensor's event count last grew (a
 * streaming eDVS sends continuously, so silence means trouble). Fed by the status pushes.
 */
export const HEARTBEAT_LOST_MS = 1500

let lastCount = -1
let lastGrowthAt = 0

export function noteEvents(count: number, nowMs: number): void {
  if (count > lastCount || lastCount < 0 || count < lastCount /* a new connection restarts the count */) lastGrowthAt = nowMs
  lastCount = count
}

export function heartbeatAgeMs(nowMs: number): number {
  return lastCount < 0 ? 0 : Math.max(0, nowMs - lastGrowthAt)
}

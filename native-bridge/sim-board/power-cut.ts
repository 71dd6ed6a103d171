/** Points at which the simulated flash can lose power (board-link §17 item 6). */
export type PowerCutPoint =
  | 'ERASE'
  | 'PROGRAM'
  | 'JOURNAL'
  | 'AFTER_VERIFY'
  | 'META'
  | 'AFTER_META'
  | 'CONFIRM'
  | 'REVERT'

/** Thrown inside a flash operation when an armed power cut fires; the board then reboots. */
export class PowerCut extends Error {
  constructor(readonly point: PowerCutPoint) {
    super(`power cut at ${point}`)
    this.name = 'PowerCut'
  }
}

/** Arms a cut at the `nth` (1-based) arrival at `point`. */
export interface PowerCutPlan {
  point: PowerCutPoint
  nth?: number
}

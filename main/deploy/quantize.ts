/**
 * The quantizer's arithmetic (board-link §16.2–16.4): a layer's membrane is an i16 `v ≈ U·S` for a
 * state scale S; a source slot's int8 weights `w` with left shift `sh` stand for `w·2^sh / S`.
 * Pure functions, each checked on hand-computed cases in test/unit/deploy.
 */

export const I16_MAX = 32767
export const I16_MIN = -32768
export const MAX_W_SHIFT = 7
export const MAX_LEAK_SHIFT = 15

/** Round half away from zero (2.5 → 3, −2.5 → −3). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5)
}

export interface ScaleChoice {
  /** S: float membrane units → i16 units. */
  readonly stateScale: number
  /** w_shift per source slot, 0–7. */
  readonly shifts: number[]
}

/**
 * Chooses the state scale and the per-slot weight shifts of one layer.
 *
 * The membrane must fit i16 over `stateRange` (float units, e.g. a few thresholds or the calibrated
 * peak): S ≤ 32767 / stateRange. Within that, S is the largest value at which the first slot's
 * largest weight lands exactly on 127 with a power-of-two shift, so the int8 range is used in full
 * and the rest of the precision goes to the membrane. Other slots get the smallest shift that keeps
 * their largest weight ≤ 127 at that S (S shrinks if even shift 7 cannot).
 */
export function chooseScale(slotMaxAbs: readonly number[], stateRange: number): ScaleChoice {
  if (!(stateRange > 0)) throw new RangeError(`state range must be positive, got ${stateRange}`)
  const sMax = I16_MAX / stateRange
  let s = sMax
  const m0 = slotMaxAbs[0] ?? 0
  if (m0 > 0) {
    const sh0 = Math.min(MAX_W_SHIFT, Math.max(0, Math.floor(Math.log2((sMax * m0) / 127))))
    s = Math.min(sMax, (127 * 2 ** sh0) / m0)
  }
  for (const m of slotMaxAbs) if (m > 0) s = Math.min(s, (127 * 2 ** MAX_W_SHIFT) / m)
  const shifts = slotMaxAbs.map((m) => {
    let sh = 0
    while (sh < MAX_W_SHIFT && (m * s) / 2 ** sh > 127 * (1 + 1e-12)) sh++
    return sh
  })
  return { stateScale: s, shifts }
}

/** int8 weights `round(w·S / 2^shift)`, clamped to −128…127; `saturated` counts the clamped ones. */
export function quantizeWeights(values: ArrayLike<number>, stateScale: number, shift: number): { q: Int8Array; saturated: number } {
  const q = new Int8Array(values.length)
  const f = stateScale / 2 ** shift
  let saturated = 0
  for (let i = 0; i < values.length; i++) {
    const r = roundHalfAway(values[i] * f)
    if (r > 127 || r < -128) saturated++
    q[i] = r > 127 ? 127 : r < -128 ? -128 : r
  }
  return { q, saturated }
}

/**
 * Fixed-point threshold. The float neuron fires on U > θ, RP1 on v ≥ threshold, so the integer
 * threshold is floor(θ·S) + 1 (the smallest v strictly above θ·S), within [1, 32767].
 */
export function quantizeThreshold(theta: number, stateScale: number): { value: number; saturated: boolean } {
  const t = Math.floor(theta * stateScale) + 1
  return { value: Math.min(I16_MAX, Math.max(1, t)), saturated: t > I16_MAX || t < 1 }
}

/** i16 bias round(b·S), clamped. */
export function quantizeBias(b: number, stateScale: number): { value: number; saturated: boolean } {
  const r = roundHalfAway(b * stateScale)
  return { value: Math.min(I16_MAX, Math.max(I16_MIN, r)), saturated: r > I16_MAX || r < I16_MIN }
}

/** β realised by RP1's leak `v ← v − (v >> d)`: 1 − 2^−d, and 1 (no leak) for d = 0. */
export function realisedBeta(leakShift: number): number {
  return leakShift === 0 ? 1 : 1 - 2 ** -leakShift
}

/** The leak shift d ∈ [0, 15] whose realised β is nearest to `beta` (ties → the larger d). */
export function betaToLeakShift(beta: number): { leakShift: number; realisedBeta: number } {
  let best = 0
  let err = Math.abs(1 - beta)
  for (let d = MAX_LEAK_SHIFT; d >= 1; d--) {
    const e = Math.abs(realisedBeta(d) - beta)
    if (e < err) {
      err = e
      best = d
    }
  }
  return { leakShift: best, realisedBeta: realisedBeta(best) }
}

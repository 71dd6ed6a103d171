/**
 * Channel order between NIR (channel-first [C, H, W], weights [out, in], conv OIHW) and FloatNetwork
 * (channels-last [H, W, C], dense [in, out], conv HWIO). nir.md §5.5.
 */

/** NIR flat index of our index k, for a [H, W, C] tensor seen by NIR as [C, H, W]. */
export function hwcToChwPermutation(h: number, w: number, c: number): Int32Array {
  const perm = new Int32Array(h * w * c)
  for (let k = 0; k < perm.length; k++) {
    const ch = k % c
    const hw = (k - ch) / c
    perm[k] = ch * h * w + hw
  }
  return perm
}

/** True when the permutation moves nothing (one channel, or one pixel). */
export function isIdentity(perm: Int32Array): boolean {
  return perm.every((v, k) => v === k)
}

/** Our channels-last values from NIR-ordered ones: ours[k] = nir[perm[k]] (a size-1 input broadcasts). */
export function fromNirOrder(nir: ArrayLike<number>, perm: Int32Array | null, size: number): Float64Array {
  const out = new Float64Array(size)
  for (let k = 0; k < size; k++) out[k] = nir.length === 1 ? nir[0] : nir[perm ? perm[k] : k]
  return out
}

/** NIR-ordered values from ours: nir[perm[k]] = ours[k]. */
export function toNirOrder(ours: ArrayLike<number>, perm: Int32Array | null): Float64Array {
  const out = new Float64Array(ours.length)
  for (let k = 0; k < ours.length; k++) out[perm ? perm[k] : k] = ours[k]
  return out
}

/** HWIO [kH, kW, Cin, Cout] ← OIHW [Cout, Cin, kH, kW]. */
export function oihwToHwio(w: ArrayLike<number>, cout: number, cin: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(cout * cin * kh * kw)
  for (let o = 0; o < cout; o++)
    for (let i = 0; i < cin; i++)
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) out[((y * kw + x) * cin + i) * cout + o] = w[((o * cin + i) * kh + y) * kw + x]
  return out
}

/** OIHW [Cout, Cin, kH, kW] ← HWIO [kH, kW, Cin, Cout]. */
export function hwioToOihw(w: ArrayLike<number>, kh: number, kw: number, cin: number, cout: number): Float64Array {
  const out = new Float64Array(cout * cin * kh * kw)
  for (let o = 0; o < cout; o++)
    for (let i = 0; i < cin; i++)
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) out[((o * cin + i) * kh + y) * kw + x] = w[((y * kw + x) * cin + i) * cout + o]
  return out
}

/**
 * `numpy.random.default_rng(seed).permutation(n)`, bit for bit: SeedSequence → PCG64 (XSL-RR
 * 128/64) → Fisher–Yates with NumPy's masked-rejection `random_interval`. The reference BPTT run
 * (performance-anchors.md §3.2) splits the 10,000 npm digits with exactly this call, so computing
 * it here puts our accuracy on the same 2,000 test digits as the published 91.30 %. Sources:
 * numpy/random/bit_generator.pyx (SeedSequence), numpy/random/src/pcg64 (PCG64),
 * numpy/random/src/distributions (random_interval), numpy/random/_generator.pyx (_shuffle_raw).
 */

const M32 = 0xffffffffn
const M64 = (1n << 64n) - 1n
const M128 = (1n << 128n) - 1n

// SeedSequence constants (bit_generator.pyx).
const INIT_A = 0x43b0d7e5
const MULT_A = 0x931e8875
const INIT_B = 0x8b51f9dd
const MULT_B = 0x58f38ded
const MIX_MULT_L = 0xca01f9dd
const MIX_MULT_R = 0x4973f715
const POOL_SIZE = 4

/** PCG64's 128-bit LCG multiplier. */
const PCG_MULT = (2549297995355413924n << 64n) | 4865540595714422341n

const mul32 = (a: number, b: number) => Math.imul(a, b) >>> 0

/** SeedSequence(seed).generate_state(words) for a non-negative integer seed with no spawn key. */
export function seedSequenceState(seed: number, words: number): Uint32Array {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`)
  // entropy as little-endian uint32 words (0 → [0])
  const entropy: number[] = []
  for (let v = BigInt(seed); entropy.length === 0 || v > 0n; v >>= 32n) entropy.push(Number(v & M32))
  let hashConst = INIT_A
  const hashmix = (value: number) => {
    value = (value ^ hashConst) >>> 0
    hashConst = mul32(hashConst, MULT_A)
    value = mul32(value, hashConst)
    return (value ^ (value >>> 16)) >>> 0
  }
  const mix = (x: number, y: number) => {
    const r = (mul32(MIX_MULT_L, x) - mul32(MIX_MULT_R, y)) >>> 0
    return (r ^ (r >>> 16)) >>> 0
  }
  const pool = new Uint32Array(POOL_SIZE)
  for (let i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(i < entropy.length ? entropy[i] : 0)
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src]))
  }
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(entropy[src]))
  }
  const out = new Uint32Array(words)
  let h = INIT_B
  for (let i = 0; i < words; i++) {
    let v = (pool[i % POOL_SIZE] ^ h) >>> 0
    h = mul32(h, MULT_B)
    v = mul32(v, h)
    out[i] = (v ^ (v >>> 16)) >>> 0
  }
  return out
}

/** numpy.random.PCG64 seeded as `default_rng(seed)` seeds it. */
export class NumpyPcg64 {
  private state = 0n
  private readonly inc: bigint
  private spare: number | undefined

  constructor(seed: number) {
    const w = seedSequenceState(seed, 8)
    // generate_state(4, uint64): words pair up little-endian; seed = (v0 high, v1 low), inc = (v2, v3)
    const u64 = (i: number) => (BigInt(w[2 * i + 1]) << 32n) | BigInt(w[2 * i])
    const initState = (u64(0) << 64n) | u64(1)
    const initSeq = (u64(2) << 64n) | u64(3)
    this.inc = ((initSeq << 1n) | 1n) & M128
    this.step()
    this.state = (this.state + initState) & M128
    this.step()
  }

  private step(): void {
    this.state = (this.state * PCG_MULT + this.inc) & M128
  }

  nextUint64(): bigint {
    this.step()
    const s = this.state
    const x = ((s >> 64n) ^ s) & M64
    const rot = s >> 122n
    return ((x >> rot) | (x << ((64n - rot) & 63n))) & M64
  }

  /** Low half of a fresh 64-bit output, then its high half on the next call (NumPy's next_uint32). */
  nextUint32(): number {
    if (this.spare !== undefined) {
      const v = this.spare
      this.spare = undefined
      return v
    }
    const next = this.nextUint64()
    this.spare = Number(next >> 32n)
    return Number(next & M32)
  }

  /** Generator.random(): 53-bit double in [0, 1). */
  random(): number {
    return Number(this.nextUint64() >> 11n) / 2 ** 53
  }

  /** NumPy's random_interval(max): uniform in [0, max] by masked rejection (max < 2^32 here). */
  interval(max: number): number {
    if (max === 0) return 0
    let mask = max
    mask |= mask >>> 1
    mask |= mask >>> 2
    mask |= mask >>> 4
    mask |= mask >>> 8
    mask |= mask >>> 16
    mask >>>= 0
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0
      if (v <= max) return v
    }
  }
}

/** `numpy.random.default_rng(seed).permutation(n)`. */
export function numpyPermutation(seed: number, n: number): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`n must be an integer in [0, 2^32), got ${n}`)
  const rng = new NumpyPcg64(seed)
  const a = new Uint32Array(n)
  for (let i = 0; i < n; i++) a[i] = i
  for (let i = n - 1; i >= 1; i--) {
    const j = rng.interval(i)
    const t = a[i]
    a[i] = a[j]
    a[j] = t
  }
  return a
}

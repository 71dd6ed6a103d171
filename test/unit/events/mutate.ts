/**
 * Mutations for fuzzing decoders: truncation, bit flips, byte overwrites, wrong lengths (huge or
 * negative 32-bit values written over aligned words), insertions, deletions and duplications.
 * Shared by the unit fuzz test and bench/events-fuzz.ts (the 1 M-input runner).
 */
export class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0 || 1
  }
  next(): number {
    // xorshift32
    let s = this.s
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    this.s = s >>> 0
    return this.s
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n
  }
}

const HUGE = [0x7fffffff, 0xffffffff, 0x80000000, 0x10000000, 0x00ffffff, 0xfffffff0]

export function mutate(seed: Uint8Array, rng: Rng): Uint8Array {
  const b = seed.slice()
  const kind = rng.below(7)
  switch (kind) {
    case 0:
      return b.subarray(0, rng.below(b.length + 1))
    case 1: {
      const flips = 1 + rng.below(8)
      for (let i = 0; i < flips && b.length; i++) b[rng.below(b.length)] ^= 1 << rng.below(8)
      return b
    }
    case 2: {
      const n = 1 + rng.below(4)
      const values = [0x00, 0xff, 0x7f, 0x80, 0x23, 0x25]
      for (let i = 0; i < n && b.length; i++) b[rng.below(b.length)] = values[rng.below(values.length)]
      return b
    }
    case 3: {
      // a wrong length or count: a huge/negative u32 over an aligned word, LE or BE
      if (b.length < 4) return b
      const at = rng.below(b.length >>> 2) * 4
      const v = HUGE[rng.below(HUGE.length)]
      new DataView(b.buffer).setUint32(at, v, rng.below(2) === 0)
      return b
    }
    case 4: {
      const at = rng.below(b.length + 1)
      const extra = new Uint8Array(1 + rng.below(16)).map(() => rng.below(256))
      const out = new Uint8Array(b.length + extra.length)
      out.set(b.subarray(0, at))
      out.set(extra, at)
      out.set(b.subarray(at), at + extra.length)
      return out
    }
    case 5: {
      const at = rng.below(b.length)
      const n = 1 + rng.below(16)
      const tail = b.subarray(Math.min(b.length, at + n))
      const out = new Uint8Array(at + tail.length)
      out.set(b.subarray(0, at))
      out.set(tail, at)
      return out
    }
    default: {
      const from = rng.below(b.length)
      const len = rng.below(Math.min(64, b.length - from) + 1)
      const at = rng.below(b.length + 1)
      const out = new Uint8Array(b.length + len)
      out.set(b.subarray(0, at))
      out.set(b.subarray(from, from + len), at)
      out.set(b.subarray(at), at + len)
      return out
    }
  }
}

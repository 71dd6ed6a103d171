/**
 * A growable FIFO of bytes for decoders whose units have variable size (text headers, packets).
 * `peek` returns a view valid until the next `append`; `consume` advances; `offset` counts every
 * byte ever consumed so errors can name their position in the stream.
 */
export class ByteQueue {
  private buf = new Uint8Array(1 << 12)
  private start = 0
  private end = 0
  /** Absolute stream offset of the first unconsumed byte. */
  offset = 0

  get length(): number {
    return this.end - this.start
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start
      if (live + chunk.length <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end)
      } else {
        let cap = this.buf.length
        while (cap < live + chunk.length) cap *= 2
        const next = new Uint8Array(cap)
        next.set(this.buf.subarray(this.start, this.end))
        this.buf = next
      }
      this.start = 0
      this.end = live
    }
    this.buf.set(chunk, this.end)
    this.end += chunk.length
  }

  /** The first `n` unconsumed bytes (n ≤ length). */
  peek(n: number = this.length): Uint8Array {
    return this.buf.subarray(this.start, this.start + n)
  }

  byteAt(i: number): number {
    return this.buf[this.start + i]
  }

  /** Index (relative to the queue head) of the first `value` at or after `from`, or -1. */
  indexOf(value: number, from = 0): number {
    const i = this.buf.subarray(this.start, this.end).indexOf(value, from)
    return i
  }

  consume(n: number): void {
    this.start += n
    this.offset += n
    if (this.start === this.end) {
      this.start = 0
      this.end = 0
    }
  }

  /** Removes and returns every unconsumed byte (copied). */
  drain(): Uint8Array {
    const out = this.buf.slice(this.start, this.end)
    this.consume(this.end - this.start)
    return out
  }
}

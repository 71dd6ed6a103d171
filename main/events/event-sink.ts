import type { EventBatch } from '../../common/event-batch.js'

/**
 * Output arrays that decoders write into directly from their hot loops. Batches handed out are
 * views of consecutive segments of a block (no copying); a new block is started when one is full.
 * Decoders that know an upper bound for a chunk call `reserve(bound)` once and then write without
 * checks; decoders of vector words check `n > limit` per word and call `rotate()`.
 */
export class EventSink {
  t!: Float64Array
  x!: Uint16Array
  y!: Uint16Array
  p!: Uint8Array
  /** Next index to write. */
  n = 0
  /** Index past which a per-word decoder must `rotate()` before writing one more word's events. */
  limit = 0
  private start = 0
  private ready: EventBatch[] = []
  private readonly pool: ArrayBuffer[] = []
  private poolIndex = 0

  constructor(
    // 4 096 events (53 KB): small blocks are recycled from the malloc heap after GC; large ones are
    // fresh mmap pages whose page faults cost more than decoding on this machine (measured 3–5x)
    private readonly blockSize = 4096,
    private readonly headroom = 0,
    /**
     * Reuse the same blocks after every `take()`: batches are then valid only until the decoder's
     * next push/end call, and no fresh memory is touched per event (for streaming consumers).
     */
    private readonly recycle = false,
  ) {
    // start small: short inputs (one sample file, a fuzz case) then cost little to set up
    this.allocate(Math.min(blockSize, 512))
  }

  /** Makes room for `count` more events in the current block. */
  reserve(count: number): void {
    if (this.n + count > this.t.length) {
      this.seal()
      this.allocate(Math.max(this.blockSize, count))
    }
  }

  /** Starts a new block (per-word decoders, when `n > limit`). */
  rotate(): void {
    this.seal()
    this.allocate(this.blockSize)
  }

  /** The events written since the last take, as batches. */
  take(): EventBatch[] {
    this.seal()
    const out = this.ready
    this.ready = []
    if (this.recycle && this.pool.length > 1) {
      this.poolIndex = 0
      this.allocate(this.blockSize)
    }
    return out
  }

  private seal(): void {
    const { start, n } = this
    if (n > start) {
      this.ready.push({ t: this.t.subarray(start, n), x: this.x.subarray(start, n), y: this.y.subarray(start, n), p: this.p.subarray(start, n) })
    }
    this.start = n
  }

  private allocate(size: number): void {
    // one backing store per block: t (8 B), x, y (2 B), p (1 B) per event
    let buffer: ArrayBuffer
    if (this.recycle && this.poolIndex < this.pool.length && this.pool[this.poolIndex].byteLength >= size * 13) {
      buffer = this.pool[this.poolIndex++]
    } else {
      buffer = new ArrayBuffer(size * 13)
      if (this.recycle) this.pool[this.poolIndex++] = buffer
    }
    this.t = new Float64Array(buffer, 0, size)
    this.x = new Uint16Array(buffer, size * 8, size)
    this.y = new Uint16Array(buffer, size * 10, size)
    this.p = new Uint8Array(buffer, size * 12, size)
    this.n = 0
    this.start = 0
    this.limit = size - this.headroom
  }
}

/** Bounded FIFO of mapped input events (time in µs, input channel), §9.3. */
export class EventQueue {
  private readonly t: Float64Array
  private readonly ch: Uint16Array
  private head = 0
  fill = 0

  constructor(readonly capacity: number) {
    this.t = new Float64Array(capacity)
    this.ch = new Uint16Array(capacity)
  }

  get free(): number {
    return this.capacity - this.fill
  }

  /** False when full: the caller counts the event as dropped (newest-first policy). */
  push(tUs: number, channel: number): boolean {
    if (this.fill === this.capacity) return false
    const i = (this.head + this.fill) % this.capacity
    this.t[i] = tUs
    this.ch[i] = channel
    this.fill++
    return true
  }

  peekTime(): number {
    return this.t[this.head]
  }

  shift(): number {
    const c = this.ch[this.head]
    this.head = (this.head + 1) % this.capacity
    this.fill--
    return c
  }

  clear(): void {
    this.head = 0
    this.fill = 0
  }
}

/** Bounded queue of output spikes waiting for the link (§9.4). */
export class SpikeQueue {
  readonly tick: Uint32Array
  readonly id: Uint16Array
  private head = 0
  fill = 0

  constructor(readonly capacity: number) {
    this.tick = new Uint32Array(capacity)
    this.id = new Uint16Array(capacity)
  }

  get free(): number {
    return this.capacity - this.fill
  }

  push(tick: number, id: number): boolean {
    if (this.fill === this.capacity) return false
    const i = (this.head + this.fill) % this.capacity
    this.tick[i] = tick
    this.id[i] = id
    this.fill++
    return true
  }

  /** Tick and id of the i-th queued spike (0 = oldest). */
  at(i: number): [number, number] {
    const k = (this.head + i) % this.capacity
    return [this.tick[k], this.id[k]]
  }

  drop(n: number): void {
    this.head = (this.head + n) % this.capacity
    this.fill -= n
  }

  clear(): void {
    this.head = 0
    this.fill = 0
  }
}

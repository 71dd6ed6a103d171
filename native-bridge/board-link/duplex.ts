/**
 * The byte interface both ends use: a serial port, a pty or an in-memory pair all fit it.
 * `write` may be called at any time; `onData`/`onClose` register the single consumer.
 */
export interface ByteDuplex {
  write(bytes: Uint8Array): void
  onData(listener: (bytes: Uint8Array) => void): void
  onClose(listener: (err?: Error) => void): void
  close(): void
}

/** Fault hooks applied to each chunk in transit (tests, §17 item 7). */
export interface LinkFaults {
  /** Returns the bytes to deliver (possibly altered, shortened or empty). */
  transform?: (bytes: Uint8Array) => Uint8Array
  /** While true, bytes are held back (read stall / flow control) and delivered when it clears. */
  stalled?: () => boolean
}

class MemoryEnd implements ByteDuplex {
  peer!: MemoryEnd
  private dataListener: ((b: Uint8Array) => void) | null = null
  private closeListener: ((err?: Error) => void) | null = null
  private held: Uint8Array[] = []
  private scheduled = false
  closed = false
  faults: LinkFaults = {}
  /** Bytes written by this end (before faults). */
  bytesWritten = 0

  write(bytes: Uint8Array): void {
    if (this.closed) return
    this.bytesWritten += bytes.length
    const copy = this.faults.transform ? this.faults.transform(bytes.slice()) : bytes.slice()
    if (copy.length > 0) this.peer.enqueue(copy)
  }

  private enqueue(bytes: Uint8Array): void {
    if (this.closed) return
    this.held.push(bytes)
    this.schedule()
  }

  /** Delivery is asynchronous so that neither end re-enters the other inside `write`. */
  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      if (this.closed) return
      if (this.peer.faults.stalled?.()) {
        setTimeout(() => this.schedule(), 5).unref()
        return
      }
      const batch = this.held
      this.held = []
      for (const b of batch) this.dataListener?.(b)
    })
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.dataListener = listener
  }

  onClose(listener: (err?: Error) => void): void {
    this.closeListener = listener
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.held = []
    this.closeListener?.()
    this.peer.close()
  }
}

export interface MemoryDuplexPair {
  host: ByteDuplex & { faults: LinkFaults; bytesWritten: number }
  device: ByteDuplex & { faults: LinkFaults; bytesWritten: number }
}

/** Two connected in-process ends; faults on an end apply to the bytes it writes. */
export function createMemoryDuplexPair(): MemoryDuplexPair {
  const a = new MemoryEnd()
  const b = new MemoryEnd()
  a.peer = b
  b.peer = a
  return { host: a, device: b }
}

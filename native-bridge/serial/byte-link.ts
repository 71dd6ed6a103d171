/**
 * A bidirectional byte pipe: what the eDVS driver and the simulated sensor talk over. Implemented by
 * the serial transport (a real or pseudo terminal) and by the in-memory pair below.
 */
export interface ByteLink {
  /** Resolves when the bytes are handed to the link and it can take more (backpressure). */
  write(bytes: Uint8Array): Promise<void>
  /** Chunks are the listener's to keep; returns an unsubscribe function. */
  onData(listener: (chunk: Uint8Array) => void): () => void
}

/** Two connected in-memory ends (for an in-process simulated device). Delivery is asynchronous. */
export function createMemoryLinkPair(): [ByteLink, ByteLink] {
  const listeners: [Set<(c: Uint8Array) => void>, Set<(c: Uint8Array) => void>] = [new Set(), new Set()]
  const end = (me: 0 | 1): ByteLink => ({
    write(bytes) {
      const copy = bytes.slice()
      return new Promise((resolve) => {
        setImmediate(() => {
          for (const l of listeners[1 - me]) l(copy)
          resolve()
        })
      })
    },
    onData(listener) {
      listeners[me].add(listener)
      return () => listeners[me].delete(listener)
    },
  })
  return [end(0), end(1)]
}

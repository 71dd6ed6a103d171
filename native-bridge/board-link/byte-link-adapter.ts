import type { ByteDuplex } from './duplex.js'

/**
 * The shape of the serial transport's link (native-bridge/serial `ByteLink`): promise-returning
 * writes for backpressure, `onData` returning an unsubscribe. Matched structurally so board-link
 * does not depend on that module.
 */
export interface ByteLinkLike {
  write(bytes: Uint8Array): Promise<void> | void
  onData(listener: (chunk: Uint8Array) => void): unknown
}

/**
 * Adapts a ByteLink to the board link's `ByteDuplex`. Writes are chained so frames stay in order
 * while the transport applies backpressure; a failed write reports the link closed.
 */
export function duplexFromByteLink(link: ByteLinkLike, closeLink: () => void = () => {}): ByteDuplex & { notifyClosed(err?: Error): void } {
  let closeListener: ((err?: Error) => void) | null = null
  let closed = false
  let chain: Promise<void> = Promise.resolve()
  const notifyClosed = (err?: Error) => {
    if (closed) return
    closed = true
    closeListener?.(err)
  }
  return {
    write(bytes) {
      if (closed) return
      const copy = bytes.slice()
      chain = chain.then(() => link.write(copy)).catch((e: unknown) => notifyClosed(e instanceof Error ? e : new Error(String(e))))
    },
    onData(listener) {
      link.onData(listener)
    },
    onClose(listener) {
      closeListener = listener
    },
    close() {
      if (closed) return
      closeLink()
      notifyClosed()
    },
    notifyClosed,
  }
}

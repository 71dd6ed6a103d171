/**
 * A `ByteDuplex` whose underlying transport can be replaced. The board link client lives across an
 * unplug: when the port closes, the client is told (so its requests fail at once and a deploy
 * suspends, §12.2), and when the session has reopened the port the same client re-handshakes and
 * resumes. Bytes written while no transport is attached are dropped, as on a pulled cable.
 */
import type { ByteDuplex } from '../../../native-bridge/board-link/index.js'

export class SwitchableDuplex implements ByteDuplex {
  private current: ByteDuplex | null = null
  private dataListener: ((bytes: Uint8Array) => void) | null = null
  private closeListener: ((err?: Error) => void) | null = null
  private closed = false
  /** Bytes handed to an attached transport since creation. */
  bytesWritten = 0

  /** Attaches a freshly opened transport; `onLost` runs once when it closes or fails. */
  attach(link: ByteDuplex, onLost: (err?: Error) => void): void {
    if (this.closed) {
      link.close()
      return
    }
    this.current = link
    let reported = false
    link.onData((b) => {
      if (this.current === link) this.dataListener?.(b)
    })
    link.onClose((err) => {
      if (reported || this.current !== link) return
      reported = true
      this.current = null
      this.closeListener?.(err)
      onLost(err)
    })
  }

  /** Drops the current transport (closing it) without ending this duplex. */
  detach(): void {
    const link = this.current
    this.current = null
    link?.close()
  }

  get attached(): boolean {
    return this.current !== null
  }

  write(bytes: Uint8Array): void {
    if (!this.current) return
    this.bytesWritten += bytes.length
    this.current.write(bytes)
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
    this.detach()
  }
}

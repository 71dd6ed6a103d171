import { ByteQueue } from './byte-queue.js'
import { TextHeaderScanner, type TextHeaderRules } from './text-header.js'

/**
 * Holds back bytes until a text header is complete, then lets the data bytes through.
 * Used by the word formats, whose hot loops then never look at header state.
 */
export class HeaderGate {
  private readonly q = new ByteQueue()
  private readonly scanner: TextHeaderScanner
  done: boolean
  /** Absolute offset of the first data byte, once known. */
  dataOffset: number | undefined

  constructor(rules: TextHeaderRules, enabled = true) {
    this.scanner = new TextHeaderScanner(rules)
    this.done = !enabled
    this.dataOffset = enabled ? undefined : 0
  }

  get lines(): string[] {
    return this.scanner.lines
  }

  /** Treats everything from now on as data (decoding resumes mid-file, past the header). */
  skip(): void {
    this.done = true
  }

  /** The data bytes contained in `chunk` (and any held back), or null while still inside the header. */
  pass(chunk: Uint8Array): Uint8Array | null {
    if (this.done) return chunk
    this.q.append(chunk)
    return this.release(false)
  }

  /** At end of input: whatever is held back is data (a header may end at EOF). */
  finish(): Uint8Array {
    if (this.done) return new Uint8Array(0)
    return this.release(true) ?? new Uint8Array(0)
  }

  private release(eof: boolean): Uint8Array | null {
    if (!this.scanner.scan(this.q, eof)) return null
    this.done = true
    this.dataOffset = this.q.offset
    return this.q.drain()
  }
}

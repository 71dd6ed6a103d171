import type { ByteQueue } from './byte-queue.js'
import { corruptError } from './decode-errors.js'

const LF = 0x0a
const CR = 0x0d

export interface TextHeaderRules {
  /** Format name for error messages. */
  readonly format: string
  /** Bytes a header line must start with (e.g. "% " or "#"). */
  readonly prefix: Uint8Array
  /** Line after which the header ends (e.g. "% end", "#!END-HEADER"), tested without the line ending. */
  readonly isLastLine?: (line: string) => boolean
  /** Require printable text so a binary record that happens to start with the prefix ends the header. */
  readonly printableOnly?: boolean
  /** Largest header accepted, in bytes. */
  readonly maxBytes?: number
}

/**
 * Reads text header lines off the front of a ByteQueue, across any chunking. A line belongs to the
 * header if it starts with the prefix; the header ends at the first line that does not, or after
 * the designated last line. Accepts LF and CRLF endings.
 */
export class TextHeaderScanner {
  readonly lines: string[] = []
  done = false
  private bytes = 0

  constructor(private readonly rules: TextHeaderRules) {}

  /** Consumes header lines; returns true when the header is complete. */
  scan(q: ByteQueue, eof: boolean): boolean {
    const prefix = this.rules.prefix
    const max = this.rules.maxBytes ?? 16 << 20
    while (!this.done) {
      const have = q.length
      const k = Math.min(have, prefix.length)
      for (let i = 0; i < k; i++) {
        if (q.byteAt(i) !== prefix[i]) {
          this.done = true
          return true
        }
      }
      if (have < prefix.length) {
        if (eof) this.done = true
        return this.done
      }
      const lf = q.indexOf(LF, prefix.length)
      if (lf < 0) {
        if (this.rules.printableOnly && !this.printable(q, have)) {
          this.done = true
          return true
        }
        if (have + this.bytes > max) throw corruptError(this.rules.format, q.offset, 'header', `header longer than ${max} bytes`)
        if (eof) this.done = true
        return this.done
      }
      if (this.rules.printableOnly && !this.printable(q, lf)) {
        this.done = true
        return true
      }
      const end = lf > 0 && q.byteAt(lf - 1) === CR ? lf - 1 : lf
      const line = Buffer.from(q.peek(end)).toString('latin1')
      this.lines.push(line)
      this.bytes += lf + 1
      q.consume(lf + 1)
      if (this.bytes > max) throw corruptError(this.rules.format, q.offset, 'header', `header longer than ${max} bytes`)
      if (this.rules.isLastLine?.(line)) this.done = true
    }
    return true
  }

  private printable(q: ByteQueue, upTo: number): boolean {
    for (let i = 0; i < upTo; i++) {
      const b = q.byteAt(i)
      if (b < 0x20 && b !== 0x09 && !(b === CR && i === upTo - 1)) return false
      if (b === 0x7f) return false
    }
    return true
  }
}

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0))
}

/**
 * Collects printable ASCII lines from bytes the binary parser could not use (echoes, banners,
 * `-S…` sensor lines). A non-printable byte discards the partial line, so binary garbage never
 * turns into text; lines are bounded so a stream of printable noise cannot grow memory.
 */
export class TextLineCollector {
  private line = ''
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLength = 256,
  ) {}

  push(byte: number): void {
    if (byte === 0x0a) {
      if (this.line.length > 0) this.onLine(this.line)
      this.line = ''
    } else if (isPrintable(byte)) {
      if (this.line.length < this.maxLength) this.line += String.fromCharCode(byte)
      else this.line = ''
    } else if (byte !== 0x0d) {
      this.line = ''
    }
  }

  reset(): void {
    this.line = ''
  }
}

export function isPrintable(byte: number): boolean {
  return (byte >= 0x20 && byte < 0x7f) || byte === 0x09
}

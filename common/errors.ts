/**
 * The typed error every layer throws for bad input: it says what is wrong and where
 * (file, byte offset, field, row), so a person can find the fault and nothing guesses.
 */
export interface ErrorLocation {
  /** File the bad input came from, when known. */
  readonly file?: string
  /** Byte offset of the fault within the file or stream. */
  readonly byteOffset?: number
  /** Field, column, dataset or parameter name. */
  readonly field?: string
  /** Row (1-based) of a text table. */
  readonly row?: number
}

export class SpikelabError extends Error {
  readonly code: string
  readonly location: ErrorLocation

  constructor(code: string, message: string, location: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(SpikelabError.describe(message, location), options)
    this.name = 'SpikelabError'
    this.code = code
    this.location = location
  }

  private static describe(message: string, loc: ErrorLocation): string {
    const where: string[] = []
    if (loc.file !== undefined) where.push(loc.file)
    if (loc.byteOffset !== undefined) where.push(`byte ${loc.byteOffset}`)
    if (loc.row !== undefined) where.push(`row ${loc.row}`)
    if (loc.field !== undefined) where.push(`field '${loc.field}'`)
    return where.length ? `${message} (${where.join(', ')})` : message
  }
}

/** Raised when a long job is cancelled; callers treat it as a normal outcome, not a failure. */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message)
    this.name = 'CancelledError'
  }
}

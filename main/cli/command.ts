/** What every `spikelab <command>` provides: its help text, its options, and a run returning an exit code. */
import type { ParseArgsConfig } from 'node:util'

export type OptionSpec = NonNullable<ParseArgsConfig['options']>

export interface CommandIo {
  out(text: string): void
  err(text: string): void
}

export interface ParsedCommandArgs {
  readonly values: Record<string, string | boolean | undefined>
  readonly positionals: readonly string[]
}

export interface Command {
  readonly name: string
  /** One line for the command list. */
  readonly summary: string
  /** Usage line(s) and option descriptions shown by `--help`. */
  readonly help: string
  readonly options: OptionSpec
  /** Positional arguments allowed (min, max). */
  readonly positionals: readonly [number, number]
  run(args: ParsedCommandArgs, io: CommandIo): Promise<number>
}

/** Exit codes: 0 success, 1 the work failed, 2 the command line was wrong. */
export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2

export class UsageError extends Error {}

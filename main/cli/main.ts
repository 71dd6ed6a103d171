/**
 * `spikelab <command>`: the third face of the lab. Errors go to stderr, results to stdout, and the
 * exit code says which happened (0 ok, 1 failed, 2 wrong command line).
 */
import { parseArgs } from 'node:util'
import { SpikelabError } from '../../common/errors.js'
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type Command, type CommandIo } from './command.js'
import { COMMANDS } from './commands.js'

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    'Usage: spikelab <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'spikelab <command> --help' for a command's options.",
  ].join('\n')
}

export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined
    io.out(topic ? topic.help : overview())
    return name === undefined ? EXIT_USAGE : EXIT_OK
  }
  if (name === '--version' || name === '-v') return runCli(['version'], io)
  const command = COMMANDS.find((c) => c.name === name)
  if (!command) {
    io.err(`spikelab: unknown command '${name}'.\n\n${overview()}`)
    return EXIT_USAGE
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help)
    return EXIT_OK
  }
  try {
    return await command.run(parse(command, rest), io)
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`spikelab ${command.name}: ${err.message}\n\n${command.help}`)
      return EXIT_USAGE
    }
    io.err(`spikelab ${command.name}: ${describe(err)}`)
    return EXIT_FAILED
  }
}

function parse(command: Command, args: readonly string[]) {
  let parsed
  try {
    parsed = parseArgs({ args: [...args], options: command.options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const [min, max] = command.positionals
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new UsageError(`expects ${min === max ? min : `${min} to ${max}`} argument(s), got ${parsed.positionals.length}`)
  }
  return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals }
}

function describe(err: unknown): string {
  if (err instanceof SpikelabError) return err.message
  if (err instanceof Error) return err.message
  return String(err)
}

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
}

/** Entry used by bin/spikelab.js. */
export async function main(): Promise<void> {
  // `spikelab stats FILE | head`: a closed pipe ends the output, not the program with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw err
  })
  const code = await runCli(process.argv.slice(2), processIo)
  process.exitCode = code
}

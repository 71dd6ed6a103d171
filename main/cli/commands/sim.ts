import path from 'node:path'
import { sliceEventBatch, type EventBatch } from '../../../common/event-batch.js'
import { openEventFile } from '../../events/index.js'
import { movingBar, randomEvents, rotatingDot, runSimEdvsOnPath } from '../../../native-bridge/sim-edvs/index.js'
import { runSimBoardOnPath } from '../../../native-bridge/sim-board/index.js'
import { EXIT_OK, UsageError, type Command, type CommandIo, type ParsedCommandArgs } from '../command.js'
import { createPtyPair } from '../pty-pair.js'

export const simCommand: Command = {
  name: 'sim',
  summary: 'Run the simulated eDVS or board as a separate process on a serial port or pty',
  help: [
    'Usage: spikelab sim edvs  (--pty [--link PATH] | --port PATH) [--scene bar|dot|random] [--rate N] [--replay FILE]',
    '                          [--count N] [--seed S] [--baud N | --unpaced] [--drop-rate R] [--corrupt-rate R]',
    '       spikelab sim board (--pty [--link PATH] | --port PATH) [--baud N]',
    '',
    '  --pty            make a pseudo-terminal pair with socat and print the path to connect to',
    '  --link PATH      with --pty: name the host end PATH (e.g. /tmp/ttyEDVS)',
    '  --port PATH      open an existing serial path instead',
    '  --scene S        edvs: synthetic scene, bar (moving bar, default), dot (rotating dot) or random',
    '                   (reproducible random pixels, 0-99 µs apart, from --seed)',
    '  --count N        edvs: stop streaming after N events and print their count and SHA-256',
    '  --seed S         edvs: seed of the random scene (default 1)',
    '  --unpaced        edvs: send as fast as the link takes (no baud or real-time pacing; for tests)',
    '  --rate N         edvs: events per second of the scene (default 200000)',
    '  --replay FILE    edvs: stream the events of a recording instead of a scene',
    '  --baud N         line rate the simulator paces itself to (ptys have none; default 4000000 / 2000000)',
    '  --drop-rate R    edvs: fraction of bytes dropped (fault injection)',
    '  --corrupt-rate R edvs: fraction of bytes corrupted (fault injection)',
    '',
    'Runs until Ctrl+C. The edvs simulator prints "Sent N events (!Ex), sha256 H" when --count is',
    'reached and when it stops (H: SHA-256 of 16-byte records t f64, x u16, y u16, p u8, 3 zero bytes;',
    't = 0 for !E0).',
  ].join('\n'),
  options: {
    pty: { type: 'boolean' },
    link: { type: 'string' },
    port: { type: 'string' },
    scene: { type: 'string' },
    rate: { type: 'string' },
    count: { type: 'string' },
    seed: { type: 'string' },
    unpaced: { type: 'boolean' },
    replay: { type: 'string' },
    baud: { type: 'string' },
    'drop-rate': { type: 'string' },
    'corrupt-rate': { type: 'string' },
  },
  positionals: [1, 1],
  async run(args, io) {
    const kind = args.positionals[0]
    if (kind !== 'edvs' && kind !== 'board') throw new UsageError(`expects 'edvs' or 'board', got '${kind}'`)
    if (Boolean(args.values.pty) === (typeof args.values.port === 'string')) throw new UsageError('give exactly one of --pty or --port PATH')
    const pty = args.values.pty ? await createPtyPair(kind, typeof args.values.link === 'string' ? path.resolve(args.values.link) : undefined) : null
    const devicePath = pty?.devicePath ?? String(args.values.port)
    try {
      const stop = kind === 'edvs' ? await startEdvs(devicePath, args, io) : await startBoard(devicePath, args)
      io.out(`Simulated ${kind === 'edvs' ? 'eDVS' : 'board'} ready on ${pty ? pty.hostPath : devicePath}`)
      if (pty) io.out(`Connect Spikelab (Devices) or any serial tool to ${pty.hostPath}. Ctrl+C stops it.`)
      await waitForSignal()
      await stop()
      return EXIT_OK
    } finally {
      pty?.close()
    }
  },
}

function number(values: ParsedCommandArgs['values'], name: string, fallback: number, min: number, max: number): number {
  const raw = values[name]
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got '${String(raw)}'`)
  return n
}

async function startEdvs(devicePath: string, { values }: ParsedCommandArgs, io: CommandIo): Promise<() => Promise<void>> {
  const rate = number(values, 'rate', 200_000, 1, 20_000_000)
  const count = number(values, 'count', Infinity, 1, Number.MAX_SAFE_INTEGER)
  const seed = number(values, 'seed', 1, 0, 2 ** 32 - 1)
  const scene = values.scene ?? 'bar'
  if (scene !== 'bar' && scene !== 'dot' && scene !== 'random') throw new UsageError(`--scene must be bar, dot or random, got '${String(scene)}'`)
  if (values.unpaced && values.baud !== undefined) throw new UsageError('give --baud or --unpaced, not both')
  const source =
    typeof values.replay === 'string'
      ? replay(path.resolve(values.replay))
      : scene === 'random'
        ? randomEvents({ count, seed })
        : scene === 'dot'
          ? rotatingDot({ eventsPerSecond: rate, seed })
          : movingBar({ eventsPerSecond: rate, seed })
  const dropRate = number(values, 'drop-rate', 0, 0, 1)
  const corruptRate = number(values, 'corrupt-rate', 0, 0, 1)
  const sim = await runSimEdvsOnPath(devicePath, {
    source: Number.isFinite(count) ? limitEvents(source, count) : source,
    realtime: !values.unpaced,
    baud: values.unpaced ? 0 : number(values, 'baud', 4_000_000, 0, 1_000_000_000),
    faults: dropRate || corruptRate ? { dropRate, corruptRate, seed: 1 } : undefined,
    hashSent: true,
  })
  const report = () => {
    const sent = sim.device.sentDigest()
    if (sent) io.out(`Sent ${sent.events} events (!E${sent.format}), sha256 ${sent.sha256}`)
  }
  void sim.device.done.then(report)
  return async () => {
    await sim.close()
    report()
  }
}

/** The first `count` events of `source`. */
async function* limitEvents(source: AsyncIterable<EventBatch>, count: number): AsyncGenerator<EventBatch> {
  let left = count
  for await (const b of source) {
    if (left <= 0) return
    const n = Math.min(left, b.t.length)
    yield n === b.t.length ? b : sliceEventBatch(b, 0, n)
    left -= n
  }
}

async function* replay(file: string): AsyncGenerator<EventBatch> {
  const events = await openEventFile(file)
  yield* events.batches()
}

async function startBoard(devicePath: string, { values }: ParsedCommandArgs): Promise<() => Promise<void>> {
  const sim = await runSimBoardOnPath(devicePath, { linkBaud: number(values, 'baud', 2_000_000, 0, 12_000_000) })
  return async () => sim.stop()
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
}

/**
 * `spikelab deploy`: sends a model blob to a board over board link v1 with a progress bar (bytes,
 * rate, ETA). The transfer is content-addressed and journaled by the board, so Ctrl+C (or a pulled
 * cable) leaves a resumable state: running the same command again sends only the missing bytes.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
// Only the session and blob facts: the lab's board index also loads the compiler (TensorFlow.js).
import { modelFacts } from '../../lab/board/blob-store.js'
import { BoardSession, SIMULATED_BOARD_ID } from '../../lab/board/board-session.js'
import { EXIT_FAILED, EXIT_OK, UsageError, type Command } from '../command.js'
import { formatCount } from '../format.js'

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'Deploy a model blob to a board (serial port or the simulated board) with resume',
  help: [
    'Usage: spikelab deploy (--port PATH [--baud N] | --sim) MODEL.blob [--confirm] [--confirm-timeout S]',
    '',
    '  --port PATH          the board on a serial port (or a pty from `spikelab sim board --pty`)',
    '  --baud N             line rate (default 2000000; USB-CDC boards ignore it)',
    '  --sim                the built-in simulated board, in this process (its flash ends with the process)',
    '  --confirm            confirm the TEST activation once the checks pass (self-test, activation echo);',
    '                       without it the board runs the model in TEST and reverts unless confirmed in time',
    '  --confirm-timeout S  seconds the board waits for CONFIRM before reverting (default: the board\'s, 60)',
    '',
    'Progress (bytes, rate, ETA) goes to stderr. Ctrl+C stops sending; the board keeps the verified',
    'prefix, and the next deploy of the same blob resumes from there.',
  ].join('\n'),
  options: {
    port: { type: 'string' },
    baud: { type: 'string' },
    sim: { type: 'boolean' },
    confirm: { type: 'boolean' },
    'confirm-timeout': { type: 'string' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    const hasPort = typeof values.port === 'string'
    if (hasPort === Boolean(values.sim)) throw new UsageError('give exactly one of --port PATH or --sim')
    const baud = values.baud === undefined ? undefined : Number(values.baud)
    if (baud !== undefined && (!Number.isInteger(baud) || baud < 9600 || baud > 12_000_000)) throw new UsageError(`--baud must be an integer from 9600 to 12000000, got '${String(values.baud)}'`)
    const timeout = values['confirm-timeout'] === undefined ? 0 : Number(values['confirm-timeout'])
    if (!Number.isInteger(timeout) || timeout < 0 || timeout > 3600) throw new UsageError(`--confirm-timeout must be whole seconds from 1 to 3600, got '${String(values['confirm-timeout'])}'`)
    const file = path.resolve(positionals[0])
    const blob = new Uint8Array(await readFile(file))
    const facts = modelFacts(blob) // a malformed blob fails here, before anything is sent
    const device = hasPort ? String(values.port) : SIMULATED_BOARD_ID

    const session = new BoardSession(() => {})
    let interrupted = false
    const onSignal = () => {
      interrupted = true
      session.close()
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    const tty = process.stderr.isTTY
    let drawn = 0
    let shownTenth = -1
    let last = 0
    try {
      const status = await session.connect(device, baud)
      const caps = status.caps!
      io.out(`board ${caps.boardId} (${caps.firmware}, serial ${caps.serial}) on ${device}; active model ${caps.activeSha256 ? caps.activeSha256.slice(0, 12) : 'none'}`)
      if (caps.partial && caps.partial.totalSize === blob.length) io.out(`the board holds ${formatCount(caps.partial.verifiedOffset)} verified bytes of an earlier transfer`)
      const client = session.linkClient!
      const started = Date.now()
      let from: number | null = null
      const report = await client.deploy(blob, {
        confirm: values.confirm === true,
        confirmTimeoutS: timeout,
        onProgress: (done, total) => {
          from ??= done
          last = done
          const now = Date.now()
          // A terminal gets a bar redrawn 10 times a second; a pipe or log gets a line per tenth of the transfer.
          const tenth = Math.floor((done / total) * 10)
          if (tty ? now - drawn < 100 && done < total : tenth === shownTenth) return
          drawn = now
          shownTenth = tenth
          const elapsed = (now - started) / 1000
          const rate = elapsed > 0 ? (done - from) / elapsed : 0
          const eta = rate > 0 ? (total - done) / rate : 0
          const bar = '#'.repeat(Math.round((done / total) * 30)).padEnd(30, '.')
          const line = `[${bar}] ${formatCount(done)} / ${formatCount(total)} B  ${(rate / 1024).toFixed(1)} KiB/s  ETA ${eta.toFixed(1)} s`
          process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`)
        },
      })
      if (tty) process.stderr.write('\n')
      const resumed = report.resumeOffsets[0] ?? 0
      io.out(`deployed ${path.basename(file)} (${formatCount(blob.length)} bytes, sha256 ${report.sha256}) to slot ${report.slot}`)
      const unique = report.uniqueBytesPerBegin.reduce((a, b) => a + b, 0)
      io.out(`resumed at byte ${formatCount(resumed)}; ${formatCount(unique)} bytes sent (${formatCount(report.bytesSent)} on the wire with retransmissions) in ${((Date.now() - started) / 1000).toFixed(2)} s`)
      if (report.hostSelfTest) io.out(`self-test: ${report.hostSelfTest.spikeCount} spikes, matches the host engine bit for bit`)
      io.out(report.confirmed ? `confirmed (model sequence ${report.modelSeq}); outputs: ${facts.labels.slice(0, 10).join(', ')}${facts.labels.length > 10 ? `, … (${facts.labels.length})` : ''}` : `running in TEST (model sequence ${report.modelSeq}): the board reverts unless it is confirmed in time`)
      return EXIT_OK
    } catch (err) {
      if (tty) process.stderr.write('\n')
      if (interrupted) {
        io.err(`interrupted after ${formatCount(last)} of ${formatCount(blob.length)} bytes were acknowledged; the board keeps the verified prefix — run the same command again to resume`)
        return EXIT_FAILED
      }
      throw err
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      session.close()
    }
  },
}

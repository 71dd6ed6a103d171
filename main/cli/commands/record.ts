import path from 'node:path'
import type { SensorStatus } from '../../../common/contract/schemas.js'
import { SensorSession, SIMULATED_SENSOR_ID } from '../../lab/sensor/sensor-session.js'
import { EXIT_OK, UsageError, type Command } from '../command.js'
import { formatCount, formatRate } from '../format.js'

export const recordCommand: Command = {
  name: 'record',
  summary: 'Record an eDVS (serial port or the simulator) to a crash-safe AEDAT 4 file',
  help: [
    'Usage: spikelab record (--port PATH | --sim) --out FILE [--format E4] [--seconds S]',
    '                       [--baud N] [--rtscts] [--compression lz4|zstd|none]',
    '                       [--silence-ms N] [--lost-after-ms N]',
    '',
    '  --port PATH       the eDVS serial port (e.g. /dev/ttyUSB0, or a pty from `spikelab sim edvs --pty`)',
    '  --sim             the built-in simulated eDVS (a moving bar)',
    '  --out FILE        the recording (AEDAT 4; readable even if the recorder is killed)',
    '  --format E<n>     eDVS event format E0-E4 (default: the widest timestamp the firmware offers)',
    '  --seconds S       stop after S seconds (default: until Ctrl+C)',
    '  --baud N          line rate (default 4000000)',
    '  --rtscts          RTS/CTS flow control (eDVS boards need it; ptys have no modem lines)',
    '  --compression C   packet compression (default lz4)',
    '  --silence-ms N    silence before the link is reported suspect (default 1000); the port stays',
    '                    open and nothing is lost if data comes back',
    '  --lost-after-ms N silence after which the sensor counts as hung: the port is reopened and the',
    '                    handshake rerun (default 10000, at least --silence-ms)',
    '',
    'Shows a live counter. A silent sensor is first "suspect" (kept open, recording goes on without',
    'a gap when data resumes). If the sensor is lost (port error, unplug, or silence beyond',
    '--lost-after-ms) the recording goes on after it reconnects, with a gap marker (lost time,',
    'dropped bytes, estimated lost events). Ctrl+C stops cleanly.',
  ].join('\n'),
  options: {
    port: { type: 'string' },
    sim: { type: 'boolean' },
    out: { type: 'string' },
    format: { type: 'string' },
    seconds: { type: 'string' },
    baud: { type: 'string' },
    rtscts: { type: 'boolean' },
    compression: { type: 'string' },
    'silence-ms': { type: 'string' },
    'lost-after-ms': { type: 'string' },
  },
  positionals: [0, 0],
  async run({ values }, io) {
    if (Boolean(values.sim) === (typeof values.port === 'string')) throw new UsageError('give exactly one of --port PATH or --sim')
    if (typeof values.out !== 'string') throw new UsageError('give --out FILE')
    const out = path.resolve(values.out)
    const format = values.format === undefined ? undefined : /^E?([0-4])$/i.exec(String(values.format))?.[1]
    if (values.format !== undefined && format === undefined) throw new UsageError(`--format must be one of E0-E4, got '${String(values.format)}'`)
    const seconds = values.seconds === undefined ? undefined : Number(values.seconds)
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError(`--seconds must be a positive number, got '${String(values.seconds)}'`)
    const baud = values.baud === undefined ? undefined : Number(values.baud)
    if (baud !== undefined && !(Number.isInteger(baud) && baud >= 9600 && baud <= 12_000_000)) throw new UsageError(`--baud must be an integer from 9600 to 12000000, got '${String(values.baud)}'`)
    const compression = String(values.compression ?? 'lz4')
    if (compression !== 'none' && compression !== 'lz4' && compression !== 'zstd') throw new UsageError(`--compression must be none, lz4 or zstd, got '${compression}'`)

    const silence = values['silence-ms']
    const silenceMs = typeof silence === 'string' ? Number(silence) : undefined
    if (silenceMs !== undefined && !(Number.isInteger(silenceMs) && silenceMs >= 100 && silenceMs <= 60_000)) throw new UsageError(`--silence-ms must be an integer from 100 to 60000, got '${String(silence)}'`)
    const lostAfter = values['lost-after-ms']
    const lostAfterSilenceMs = typeof lostAfter === 'string' ? Number(lostAfter) : undefined
    const minLostAfter = silenceMs ?? 1000
    if (lostAfterSilenceMs !== undefined && !(Number.isInteger(lostAfterSilenceMs) && lostAfterSilenceMs >= minLostAfter && lostAfterSilenceMs <= 600_000)) {
      throw new UsageError(`--lost-after-ms must be an integer from ${minLostAfter} (the silence before suspect) to 600000, got '${String(lostAfter)}'`)
    }

    const tty = process.stderr.isTTY === true
    let lastState: SensorStatus['state'] | undefined
    let lastGaps = 0
    const session = new SensorSession((s) => {
      if (s.state !== lastState) {
        if (s.state === 'lost') io.err(`\nsensor lost: ${s.lastError ?? 'no reason given'}; reconnecting…`)
        else if (s.state === 'suspect') io.err(`\nsensor silent (${s.lastError ?? 'no data'}); port kept open, waiting…`)
        else if (s.state === 'streaming' && lastState === 'lost') io.err('sensor back; recording goes on')
        else if (s.state === 'streaming' && lastState === 'suspect') io.err('sensor data resumed; nothing lost')
        lastState = s.state
      }
      if ((s.gaps ?? 0) > lastGaps && s.lastGap) {
        lastGaps = s.gaps ?? 0
        const g = s.lastGap
        io.err(`gap marked: ${g.kind}, ${(g.durationUs / 1e6).toFixed(3)} s, ${formatCount(g.droppedBytes)} bytes dropped, ~${formatCount(g.lostEventsEstimate)} events lost`)
      }
    })
    let timeUp: () => void = () => {}
    const stop = new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('interrupted'))
      process.once('SIGTERM', () => resolve('terminated'))
      timeUp = () => resolve('time is up')
    })
    const device = values.sim ? SIMULATED_SENSOR_ID : path.resolve(String(values.port))
    let recorded = 0
    session.onEvents((b) => (recorded += b.t.length))
    // The file is opened before streaming starts: a sensor that floods the link at once loses nothing.
    await session.connect({ device, baud, rtscts: values.rtscts === true, format: format === undefined ? undefined : Number(format), silenceMs, lostAfterSilenceMs, recordTo: { path: out, compression } })
    const started = Date.now()
    if (seconds !== undefined) setTimeout(timeUp, seconds * 1000).unref()
    io.err(`recording ${device} (${session.current().format ?? 'format unknown'}) to ${out}; Ctrl+C stops`)
    const counter = setInterval(() => {
      const s = session.current()
      const r = s.recording
      if (!r) return
      const line = `${(r.elapsedS).toFixed(1)} s  ${formatCount(r.events)} events  ${formatRate(s.eventsPerSecond)}  ${(r.bytes / 1e6).toFixed(1)} MB  gaps ${s.gaps ?? 0}  ${s.state}`
      if (tty) process.stderr.write(`\r${line}\x1b[K`)
      else io.err(line)
    }, 500)
    try {
      const why = await stop
      if (tty) process.stderr.write('\n')
      await session.disconnect()
      io.out(`${why}: recorded ${recorded} events to ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s (gaps ${session.current().gaps ?? 0})`)
      return EXIT_OK
    } finally {
      clearInterval(counter)
      await session.disconnect()
    }
  },
}

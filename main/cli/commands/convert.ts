import path from 'node:path'
import { CancelledError } from '../../../common/errors.js'
import { CONVERT_TARGETS, convertEventFile, targetFromFileName, type ConvertTarget } from '../../events/index.js'
import { EXIT_OK, UsageError, type Command } from '../command.js'
import { formatCount } from '../format.js'

/** "1.5s", "200ms", "300us" or a plain number of seconds → µs. */
export function parseDurationUs(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|ms|us|µs)?$/.exec(text.trim())
  if (!m) throw new UsageError(`${option} must be a time like 1.5s, 200ms or 300us, got '${text}'`)
  const value = Number(m[1])
  const unit = m[2] ?? 's'
  return unit === 's' ? value * 1e6 : unit === 'ms' ? value * 1e3 : value
}

export const convertCommand: Command = {
  name: 'convert',
  summary: 'Convert an event file to another format (or CSV / NumPy), optionally a time window',
  help: [
    'Usage: spikelab convert IN OUT [--format F] [--from T] [--to T] [--shift-to-zero] [--compression none|lz4|zstd]',
    '',
    `  --format F        ${CONVERT_TARGETS.join(', ')}; default from OUT's extension`,
    '                    (.aedat4 aedat4, .aedat aedat2, .raw evt3, .dat dat, .bin nmnist, .csv, .npy)',
    '  --from T, --to T  keep events in [T_from, T_to) after the first event (1.5s, 200ms, 300us)',
    '  --shift-to-zero   subtract the first event\'s time (raw sensor time is kept by default)',
    '  --compression C   AEDAT 4 packet compression (default lz4)',
    '',
    'Streams in constant memory; the output appears only when complete. Ctrl+C cancels.',
  ].join('\n'),
  options: {
    format: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'shift-to-zero': { type: 'boolean' },
    compression: { type: 'string' },
  },
  positionals: [2, 2],
  async run({ values, positionals }, io) {
    const [input, output] = positionals.map((p) => path.resolve(p))
    const target = (values.format as ConvertTarget | undefined) ?? targetFromFileName(output)
    if (!target || !CONVERT_TARGETS.includes(target)) throw new UsageError(`give --format (${CONVERT_TARGETS.join(', ')}); '${path.basename(output)}' does not say which`)
    const compression = (values.compression ?? 'lz4') as 'none' | 'lz4' | 'zstd'
    if (!['none', 'lz4', 'zstd'].includes(compression)) throw new UsageError(`--compression must be none, lz4 or zstd, got '${compression}'`)
    const fromUs = typeof values.from === 'string' ? parseDurationUs(values.from, '--from') : undefined
    const toUs = typeof values.to === 'string' ? parseDurationUs(values.to, '--to') : undefined
    if (fromUs !== undefined && toUs !== undefined && toUs <= fromUs) throw new UsageError('--to must be after --from')
    const controller = new AbortController()
    const onSignal = () => controller.abort()
    process.once('SIGINT', onSignal)
    const started = Date.now()
    let lastDraw = 0
    const tty = process.stderr.isTTY
    try {
      const result = await convertEventFile(input, output, {
        target, fromUs, toUs, compression, shiftToZero: values['shift-to-zero'] === true, signal: controller.signal,
        onProgress: (fraction, events) => {
          const now = Date.now()
          if (!tty || (now - lastDraw < 100 && fraction < 1)) return
          lastDraw = now
          const elapsed = (now - started) / 1000
          const eta = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : 0
          const bar = '#'.repeat(Math.round(fraction * 30)).padEnd(30, '.')
          process.stderr.write(`\r[${bar}] ${(fraction * 100).toFixed(0).padStart(3)} %  ${formatCount(events)} events  ETA ${eta.toFixed(0)} s\x1b[K`)
        },
      })
      if (tty) process.stderr.write('\n')
      io.out(`wrote ${output}: ${formatCount(result.events)} events as ${result.target} (${result.geometry.width}×${result.geometry.height}) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      return EXIT_OK
    } catch (err) {
      if (tty) process.stderr.write('\n')
      if (err instanceof CancelledError) throw new Error('cancelled; no output was written')
      throw err
    } finally {
      process.off('SIGINT', onSignal)
    }
  },
}

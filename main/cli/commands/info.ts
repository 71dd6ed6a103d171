import { stat } from 'node:fs/promises'
import path from 'node:path'
import { readAedat4Gaps } from '../../events/index.js'
import { summarizeEventFile } from '../../lab/recordings/summarize.js'
import { EXIT_OK, type Command } from '../command.js'
import { formatCount, formatDurationUs, formatRate } from '../format.js'

export const infoCommand: Command = {
  name: 'info',
  summary: 'Describe an event file: format, sensor, resolution, events, duration, rate',
  help: [
    'Usage: spikelab info FILE [--json]',
    '',
    'Reads the whole file (streaming, constant memory). The format is detected from the content.',
    'Timestamps are the sensor\'s own (not shifted to zero).',
    '',
    '  --json    print as JSON',
  ].join('\n'),
  options: { json: { type: 'boolean' } },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    const file = path.resolve(positionals[0])
    const size = (await stat(file)).size
    const { summary } = await summarizeEventFile(file)
    const durationUs = summary.firstTimestampUs !== null && summary.lastTimestampUs !== null ? summary.lastTimestampUs - summary.firstTimestampUs : 0
    const rate = durationUs > 0 ? (summary.eventCount / durationUs) * 1e6 : 0
    const gaps = summary.format === 'aedat4' ? await readAedat4Gaps(file) : []
    if (values.json) {
      io.out(JSON.stringify({ file, sizeBytes: size, ...summary, durationUs, eventsPerSecond: rate, gaps }))
      return EXIT_OK
    }
    const rows: Array<[string, string]> = [
      ['file', file],
      ['format', summary.format],
      ['sensor', summary.sensor ?? 'not stated in the file'],
      ['resolution', summary.width !== null ? `${summary.width} × ${summary.height}` : 'unknown'],
      ['events', `${formatCount(summary.eventCount)} (ON ${formatCount(summary.onCount)}, OFF ${formatCount(summary.offCount)})`],
      ['first, last', summary.firstTimestampUs === null ? '—' : `${summary.firstTimestampUs} µs, ${summary.lastTimestampUs} µs`],
      ['duration', formatDurationUs(durationUs)],
      ['mean rate', durationUs > 0 ? formatRate(rate) : '—'],
      ['size', `${formatCount(size)} bytes`],
      ['gaps', gaps.length === 0 ? 'none marked' : `${gaps.length}: lost ${formatDurationUs(gaps.reduce((s, g) => s + g.durationUs, 0))}, ~${formatCount(gaps.reduce((s, g) => s + g.lostEventsEstimate, 0))} events, ${formatCount(gaps.reduce((s, g) => s + g.droppedBytes, 0))} bytes dropped`],
      ...gaps.map((g, i): [string, string] => [`  gap ${i + 1}`, `after event ${formatCount(g.eventIndex)} at ${g.afterUs} µs: ${g.kind}, ${formatDurationUs(g.durationUs)}, ~${formatCount(g.lostEventsEstimate)} events (${g.reason})`]),
    ]
    const width = Math.max(...rows.map(([k]) => k.length))
    for (const [k, v] of rows) io.out(`${k.padEnd(width)}  ${v}`)
    return EXIT_OK
  },
}

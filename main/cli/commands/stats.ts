import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { openSpikeFile, repeatDuration, unitStatistics } from '../../spikes/index.js'
import { EXIT_OK, type Command } from '../command.js'

export const statsCommand: Command = {
  name: 'stats',
  summary: 'Spike-train statistics per unit: rate, CV, CV2, LV, LvR, Fano factor',
  help: [
    'Usage: spikelab stats FILE [--csv OUT.csv]',
    '',
    'FILE: an NWB file, a Kilosort/Phy folder, or a long-format CSV/TSV (neuron, trial, time).',
    'Definitions follow Elephant: CV of the ISIs, CV2 and LV (Holt, Shinomoto), LvR with R = 5 ms,',
    'the Fano factor of spike counts across trials (when the file has trials).',
    '',
    '  --csv OUT   also write the table as CSV',
  ].join('\n'),
  options: { csv: { type: 'string' } },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    const rec = await openSpikeFile(path.resolve(positionals[0]))
    for (const w of rec.warnings) io.err(`warning: ${w}`)
    const rows = unitStatistics(rec, repeatDuration(rec))
    const header = ['unit', 'label', 'spikes', 'rate_hz', 'cv', 'cv2', 'lv', 'lvr', 'fano']
    const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'nan')
    const lines = rows.map((r) => [r.unit, r.label ?? '', String(r.spikes), fmt(r.rateHz), fmt(r.cv), fmt(r.cv2), fmt(r.lv), fmt(r.lvr), fmt(r.fano)])
    io.out(`${rec.sourceFormat}: ${rec.units.length} units, ${rec.trials?.length ?? 0} trials, ${rec.batch.t.length} spikes`)
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)))
    io.out(header.map((h, i) => h.padEnd(widths[i])).join('  '))
    for (const l of lines) io.out(l.map((c, i) => c.padEnd(widths[i])).join('  '))
    if (typeof values.csv === 'string') await writeFile(path.resolve(values.csv), [header, ...lines].map((l) => l.join(',')).join('\n') + '\n')
    return EXIT_OK
  },
}

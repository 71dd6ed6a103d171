import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { generateSyntheticRetina, syntheticToCsv, syntheticToRecording, writeNwbUnits } from '../../spikes/index.js'
import { EXIT_OK, UsageError, type Command } from '../command.js'
import { formatCount } from '../format.js'

export const synthCommand: Command = {
  name: 'synth',
  summary: 'Generate the synthetic retina benchmark (known cell types) as NWB and/or CSV',
  help: [
    'Usage: spikelab synth retina --out FILE.nwb [--csv FILE.csv] [--types 4|6] [--jitter J] [--cells N]',
    '                             [--repeats R] [--seed S]',
    '',
    'The linear–nonlinear model retina of the synthetic-retina benchmark, exactly as specified, so',
    'functional classification can be checked against ground truth (the cell type is each unit\'s label).',
    '',
    '  --out FILE     NWB 2.x file to write (units table with trials)',
    '  --csv FILE     also (or only) write long-format CSV: neuron,trial,condition,time_s',
    '  --types 4|6    cell-type set (default 4)',
    '  --jitter J     within-type parameter jitter: 0.1 easy (default), 0.2 hard, 0.3 extreme',
    '  --cells N      cells per type (default 8)',
    '  --repeats R    stimulus repeats (default 100)',
    '  --seed S       seed (default 1)',
  ].join('\n'),
  options: {
    out: { type: 'string' },
    csv: { type: 'string' },
    types: { type: 'string' },
    jitter: { type: 'string' },
    cells: { type: 'string' },
    repeats: { type: 'string' },
    seed: { type: 'string' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    if (positionals[0] !== 'retina') throw new UsageError(`the only synthetic set is 'retina', got '${positionals[0]}'`)
    if (typeof values.out !== 'string' && typeof values.csv !== 'string') throw new UsageError('give --out FILE.nwb and/or --csv FILE.csv')
    const int = (name: string, fallback: number, min: number, max: number) => {
      const raw = values[name]
      const n = raw === undefined ? fallback : Number(raw)
      if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${String(raw)}'`)
      return n
    }
    const types = int('types', 4, 4, 6)
    if (types !== 4 && types !== 6) throw new UsageError(`--types must be 4 or 6, got '${String(values.types)}'`)
    const jitter = values.jitter === undefined ? 0.1 : Number(values.jitter)
    if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1) throw new UsageError(`--jitter must be a number from 0 to 1, got '${String(values.jitter)}'`)
    const retina = generateSyntheticRetina({ types, jitter, cellsPerType: int('cells', 8, 1, 10_000), repeats: int('repeats', 100, 2, 10_000), seed: int('seed', 1, 0, 2 ** 31 - 1) })
    const recording = syntheticToRecording(retina)
    if (typeof values.out === 'string') {
      const file = path.resolve(values.out)
      await writeNwbUnits(file, { units: recording.units, batch: recording.batch, trials: recording.trials, description: `Spikelab synthetic retina: ${types} types, jitter ${jitter}` })
      io.out(`wrote ${file}`)
    }
    if (typeof values.csv === 'string') {
      const file = path.resolve(values.csv)
      await writeFile(file, syntheticToCsv(retina))
      io.out(`wrote ${file}`)
    }
    io.out(`${retina.cells.length} cells (${types} types), ${retina.spikes[0].length} repeats, ${formatCount(recording.batch.t.length)} spikes`)
    return EXIT_OK
  },
}

import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { classifyCells, openSpikeFile, repeatDuration } from '../../spikes/index.js'
import { EXIT_OK, UsageError, type Command } from '../command.js'

export const classifyCommand: Command = {
  name: 'classify',
  summary: 'Functional classification of neurons by the information their responses carry',
  help: [
    'Usage: spikelab classify FILE [--word-bins L] [--bin-ms D] [--k K] [--nsb] [--json] [--csv OUT.csv]',
    '',
    'Schneidman, Bialek & Berry (2002): response words of L bins of D ms, conditioned on stimulus time',
    'across repeats; identity information with Panzeri–Treves correction and the split-half noise',
    'floor; agglomerative information bottleneck; K from the merge-cost jump unless --k is given.',
    'FILE needs repeated trials (NWB with /intervals/trials, or a CSV with a trial column).',
    '',
    '  --word-bins L   bins per word (default 3)',
    '  --bin-ms D      bin width in ms (default 10)',
    '  --k K           number of classes (default: chosen from the merge costs)',
    '  --nsb           also estimate I with NSB (advanced; for long words, L ≥ 6)',
    '  --json          print the result as JSON',
    '  --csv OUT       write unit,cluster to OUT',
  ].join('\n'),
  options: { 'word-bins': { type: 'string' }, 'bin-ms': { type: 'string' }, k: { type: 'string' }, nsb: { type: 'boolean' }, json: { type: 'boolean' }, csv: { type: 'string' } },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    const int = (name: string, fallback: number | undefined, min: number, max: number) => {
      const raw = values[name]
      if (raw === undefined) return fallback
      const n = Number(raw)
      if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be from ${min} to ${max}, got '${String(raw)}'`)
      return n
    }
    const wordLength = int('word-bins', 3, 1, 16)!
    const binMs = int('bin-ms', 10, 0.1, 1000)!
    const k = int('k', undefined, 1, 100_000)
    const rec = await openSpikeFile(path.resolve(positionals[0]))
    if (!rec.batch.trial || (rec.trials?.length ?? 0) < 2) throw new UsageError('the file has no repeated trials to condition on (need at least 2)')
    const started = Date.now()
    const result = await classifyCells(rec.batch, { duration: repeatDuration(rec), binSize: binMs / 1000, wordLength, k, nsb: values.nsb === true }, {
      onProgress: (p) => {
        if (process.stderr.isTTY) process.stderr.write(`\r${(100 * p.fraction).toFixed(0)} % ${p.phase}\x1b[K`)
      },
    })
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K')
    const clusters = rec.units.map((u, i) => ({ unit: u.id, label: u.label ?? null, cluster: result.labels[i] }))
    if (typeof values.csv === 'string') {
      await writeFile(path.resolve(values.csv), ['unit,label,cluster', ...clusters.map((c) => `${c.unit},${c.label ?? ''},${c.cluster}`)].join('\n') + '\n')
    }
    if (values.json) {
      io.out(JSON.stringify({
        cells: result.nCells, repeats: result.nRepeats, k: result.k, kJump: result.kJump, kKnee: result.kKnee,
        informationBitsPerWord: result.information, infoAtK: result.infoAtK, floor: result.floor,
        spikesToIdentify: result.spikesToIdentify, clusters, warnings: result.warnings,
      }))
      return EXIT_OK
    }
    io.out(`${result.nCells} cells × ${result.nRepeats} repeats, words of ${wordLength} × ${binMs} ms (${((Date.now() - started) / 1000).toFixed(1)} s)`)
    io.out(`I(cell; word | t) = ${result.information.pt.toFixed(4)} bits/word (plug-in ${result.information.plugin.toFixed(4)}, PT bias ${result.information.ptBias.toFixed(4)})`)
    if (result.information.nsb !== undefined) io.out(`NSB estimate: ${result.information.nsb.toFixed(4)} bits/word`)
    if (result.floor) io.out(`split-half noise floor F = ${(1000 * result.floor.value).toFixed(2)} mbit (K_floor ${result.floor.kFloor})`)
    io.out(`K = ${result.k}${k === undefined ? ` (merge-cost jump${result.kJump ? `, ratio ${result.kJump.score.toFixed(2)}` : ''})` : ' (given)'}; I(K)/I(N) = ${(result.infoAtK / result.information.plugin).toFixed(3)}`)
    io.out(`${result.spikesToIdentify.bitsPerSpike.toFixed(2)} bits/spike: about ${result.spikesToIdentify.spikes.toFixed(1)} spikes identify a cell`)
    for (let c = 0; c < result.k; c++) {
      const members = clusters.filter((m) => m.cluster === c).map((m) => (m.label ? `${m.unit}(${m.label})` : m.unit))
      io.out(`cluster ${c}: ${members.join(' ')}`)
    }
    for (const w of result.warnings) io.err(`warning: ${w}`)
    return EXIT_OK
  },
}

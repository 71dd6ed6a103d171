import { rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { CompileReport, InputMapping } from '../../deploy/index.js'
import { SpikelabError } from '../../../common/errors.js'
import { EXIT_FAILED, EXIT_OK, UsageError, type Command } from '../command.js'

export const compileCommand: Command = {
  name: 'compile',
  summary: 'Quantize a trained network into an RP1 model blob for the board',
  help: [
    'Usage: spikelab compile (RUN_FOLDER | RUN_FOLDER/run.json | FILE.nir) --out MODEL.blob',
    '                        [--input mnist|dvs128] [--calibrate N] [--headroom H] [--tick-us N] [--json]',
    '',
    'int8 weights with a power-of-two shift per layer and source, i16 thresholds and biases, β as a',
    'leak shift, conv and pooling expanded to sparse matrices, the input and output maps, and the',
    'self-test vector from the host engine. The model is checked against the RP1 device limits',
    'first; a model that does not fit fails with the board\'s error code and nothing is written.',
    '',
    '  --out FILE       the model blob to write (written to a temporary name, then renamed)',
    '  --input KIND     mnist: address i = input i (default for flat inputs);',
    '                   dvs128: 128×128×2 eDVS pixels pooled onto an [H, W, P] network input',
    '  --calibrate N    calibrate each layer\'s membrane range on N training digits (MNIST runs)',
    '  --headroom H     membrane range in thresholds without calibration (default 4)',
    '  --tick-us N      tick length in µs (default: the network\'s dt)',
    '  --json           print the quantization report as JSON',
  ].join('\n'),
  options: {
    out: { type: 'string' },
    input: { type: 'string' },
    calibrate: { type: 'string' },
    headroom: { type: 'string' },
    'tick-us': { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    if (typeof values.out !== 'string') throw new UsageError('--out MODEL.blob is required')
    const num = (name: string, min: number, max: number): number | undefined => {
      const raw = values[name]
      if (raw === undefined) return undefined
      const n = Number(raw)
      if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got '${String(raw)}'`)
      return n
    }
    const kind = values.input ?? 'mnist'
    if (kind !== 'mnist' && kind !== 'dvs128') throw new UsageError(`--input must be mnist or dvs128, got '${String(kind)}'`)
    const calibrate = num('calibrate', 0, 10_000)
    const headroom = num('headroom', 1, 1000)
    const tickUs = num('tick-us', 100, 1_000_000)
    // Loaded on use: the deploy layer pulls in TensorFlow.js and h5wasm, which other commands do not need.
    const { compileNetwork, loadFloatNetwork, mnistTestSamples } = await import('../../deploy/index.js')
    const loaded = await loadFloatNetwork(positionals[0])
    const input: InputMapping = kind === 'dvs128' ? { kind: 'dvs-pool', sensorW: 128, sensorH: 128 } : { kind: 'table' }
    let calibration
    if (calibrate) {
      if (kind !== 'mnist' || !loaded.dataset) throw new UsageError('--calibrate needs an MNIST training run (its training digits calibrate the layers)')
      calibration = mnistTestSamples(loaded.dataset, { count: Math.round(calibrate), tickUs: tickUs ?? Math.round(loaded.network.dtSeconds * 1e6), which: 'train', seed: 2 })
    }
    let compiled
    try {
      compiled = compileNetwork(loaded.network, {
        input,
        calibration,
        headroom,
        tickUs,
        floatAccuracy: loaded.floatAccuracy ?? undefined,
        dataset: loaded.dataset ?? undefined,
      })
    } catch (err) {
      // The board's own error code (CAPACITY_NEURONS, UNSUPPORTED_MODEL, …) leads, as the device would say it.
      if (err instanceof SpikelabError) {
        io.err(`spikelab compile: ${err.code}: ${err.message}; nothing written`)
        return EXIT_FAILED
      }
      throw err
    }
    const { blob, report } = compiled
    const out = path.resolve(values.out)
    const tmp = `${out}.tmp-${process.pid}`
    try {
      await writeFile(tmp, blob)
      await rename(tmp, out)
    } catch (err) {
      await rm(tmp, { force: true })
      throw err
    }
    if (values.json) io.out(JSON.stringify(report, null, 2))
    else for (const line of formatCompileReport(report)) io.out(line)
    io.out(`wrote ${out} (${blob.length} bytes, sha256 ${report.sha256})`)
    return EXIT_OK
  },
}

export function formatCompileReport(r: CompileReport): string[] {
  const lines = [
    `source ${r.source}; ${r.nInputs} inputs (${r.inputMap}), ${r.nOutputs} outputs [${r.labels.join(' ')}], tick ${r.tickUs} µs`,
    `${r.nNeurons} neurons, ${r.synapseBytes} synapse bytes, blob ${r.blobBytes} bytes; self-test ${r.selfTest.nTicks} ticks, ${r.selfTest.nEvents} events, ${r.selfTest.spikeCount} output spikes`,
    r.calibrationSamples ? `calibrated on ${r.calibrationSamples} samples` : 'no calibration (membrane range from --headroom)',
    'layer  neurons  sources          format      S (1/θ units)  w_shift  |w|max    sat  zeroed  θ→int        β→realised (d)       reset',
  ]
  for (const l of r.layers) {
    lines.push([
      String(l.layer).padEnd(6),
      String(l.neurons).padEnd(8),
      l.sources.join(',').padEnd(16),
      l.formats.join(',').padEnd(11),
      l.stateScale.toFixed(1).padEnd(14),
      l.wShift.join(',').padEnd(8),
      l.weightMaxAbs.map((m) => m.toPrecision(3)).join(',').padEnd(9),
      String(l.weightSaturated).padEnd(4),
      String(l.weightZeroed).padEnd(7),
      `${l.threshold.float}→${l.threshold.int}`.padEnd(12),
      `${l.betaRequested.max.toFixed(4)}→${l.betaRealised.max.toFixed(4)} (${l.leakShifts.join(',')})`.padEnd(20),
      l.reset,
    ].join(' '))
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`)
  return lines
}

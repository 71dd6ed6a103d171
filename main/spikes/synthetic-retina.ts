/**
 * Synthetic retina generator: LN model ganglion cells driven by a repeated frozen white-noise
 * stimulus, with known types (synthetic-retina-benchmark.md §2, ported line by line from §8).
 */
import { SpikelabError } from '../../common/errors.js'
import type { SpikeBatch } from '../../common/spike-batch.js'
import type { SpikeRecording } from './recording.js'
import { normalAt, uniformAt } from './rng.js'

export interface CellTypeSpec {
  readonly id: number
  readonly name: string
  readonly sign: 1 | -1
  readonly tauPeakMs: number
  readonly beta: number
  readonly theta: number
  readonly rMaxHz: number
}

/** Table §2.2 in table order; the 4-type set is the first four rows. */
export const RETINA_CELL_TYPES: readonly CellTypeSpec[] = [
  { id: 0, name: 'ON-fast', sign: 1, tauPeakMs: 45, beta: 0.6, theta: 1.0, rMaxHz: 40 },
  { id: 1, name: 'ON-slow', sign: 1, tauPeakMs: 90, beta: 0.2, theta: 1.0, rMaxHz: 40 },
  { id: 2, name: 'OFF-fast', sign: -1, tauPeakMs: 45, beta: 0.6, theta: 1.0, rMaxHz: 40 },
  { id: 3, name: 'OFF-slow', sign: -1, tauPeakMs: 90, beta: 0.2, theta: 1.0, rMaxHz: 40 },
  { id: 4, name: 'OFF-med-mono', sign: -1, tauPeakMs: 65, beta: 0.0, theta: 1.0, rMaxHz: 40 },
  { id: 5, name: 'OFF-med-bi', sign: -1, tauPeakMs: 65, beta: 0.7, theta: 1.0, rMaxHz: 40 },
]

export interface SyntheticRetinaOptions {
  readonly types: 4 | 6
  /** Cells per type. */
  readonly cellsPerType: number
  /** Jitter level j (0.1 easy, 0.2 hard, 0.3 extreme). */
  readonly jitter: number
  readonly repeats: number
  readonly seed: number
  /** Repeat duration in ms (default 10,000). */
  readonly durationMs?: number
}

export interface SyntheticCell {
  readonly typeId: number
  readonly typeName: string
  readonly sign: 1 | -1
  readonly tauPeakMs: number
  readonly beta: number
  readonly theta: number
  readonly rMaxHz: number
}

export interface SyntheticRetina {
  readonly cells: readonly SyntheticCell[]
  /** spikes[i][r]: ascending spike times (s) of cell i in repeat r, relative to the repeat onset. */
  readonly spikes: readonly (readonly Float64Array[])[]
  readonly frames: Float64Array
  readonly repeats: number
  readonly durationS: number
  readonly options: SyntheticRetinaOptions
}

const OFF_POP = 0
const OFF_STIM = 2 ** 20
const OFF_SPK = 2 ** 21
const FILTER_TAPS = 500
const FRAME_RATE = 60
const REFRACTORY_BINS = 3

function validate(o: SyntheticRetinaOptions, durationMs: number): void {
  const bad = (field: string, msg: string): never => {
    throw new SpikelabError('synth.option', msg, { field })
  }
  if (o.types !== 4 && o.types !== 6) bad('types', `types must be 4 or 6, got ${String(o.types)}`)
  if (!Number.isInteger(o.cellsPerType) || o.cellsPerType < 1) bad('cells', 'cells per type must be a positive integer')
  if (!Number.isInteger(o.repeats) || o.repeats < 1) bad('repeats', 'repeats must be a positive integer')
  if (!(o.jitter >= 0) || !Number.isFinite(o.jitter)) bad('jitter', 'jitter must be a finite number ≥ 0')
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) bad('seed', 'seed must be a 32-bit unsigned integer')
  if (!Number.isInteger(durationMs) || durationMs < 1 || (durationMs * FRAME_RATE) % 1000 !== 0)
    bad('durationMs', 'duration must be a whole number of ms holding whole 60 Hz frames')
  const n = o.types * o.cellsPerType
  if (OFF_SPK + 2 * n * o.repeats * durationMs > 2 ** 32)
    bad('cells', `cells × repeats × bins exceeds the RNG index range (N·R ≤ ${Math.floor((2 ** 32 - OFF_SPK) / (2 * durationMs))})`)
}

function lobe(tau: number, tauPeak: number): number {
  const x = tau / tauPeak
  return x * x * x * Math.exp(3 * (1 - x))
}

/** §2.4 temporal filter, unit L2 norm. */
export function retinaFilter(cell: Pick<SyntheticCell, 'sign' | 'tauPeakMs' | 'beta'>): Float64Array {
  const f = new Float64Array(FILTER_TAPS)
  let sq = 0
  for (let m = 0; m < FILTER_TAPS; m++) {
    f[m] = cell.sign * (lobe(m, cell.tauPeakMs) - cell.beta * lobe(m, 1.6 * cell.tauPeakMs))
    sq += f[m] * f[m]
  }
  const norm = Math.sqrt(sq)
  for (let m = 0; m < FILTER_TAPS; m++) f[m] /= norm
  return f
}

/** Spike probability per 1-ms bin for one cell (§2.4). */
export function spikeProbability(stimulus: Float64Array, cell: SyntheticCell): Float64Array {
  const nb = stimulus.length
  const f = retinaFilter(cell)
  const g = new Float64Array(nb)
  for (let k = 0; k < nb; k++) {
    let acc = 0
    for (let m = 0; m < FILTER_TAPS; m++) acc += f[m] * stimulus[(((k - m) % nb) + nb) % nb]
    g[k] = acc
  }
  let mean = 0
  for (let k = 0; k < nb; k++) mean += g[k]
  mean /= nb
  let v = 0
  for (let k = 0; k < nb; k++) v += (g[k] - mean) ** 2
  const sd = Math.sqrt(v / nb)
  const p = new Float64Array(nb)
  for (let k = 0; k < nb; k++) {
    const z = (g[k] - mean) / sd
    p[k] = ((cell.rMaxHz * Math.log1p(Math.exp(4 * (z - cell.theta)))) / 4) * 0.001
  }
  return p
}

export function generateSyntheticRetina(options: SyntheticRetinaOptions): SyntheticRetina {
  const durationMs = options.durationMs ?? 10_000
  validate(options, durationMs)
  const { seed, jitter: j, repeats: R } = options
  const types = RETINA_CELL_TYPES.slice(0, options.types)
  const cells: SyntheticCell[] = []
  let g = 0
  for (const spec of types) {
    for (let c = 0; c < options.cellsPerType; c++, g++) {
      const z = [0, 1, 2, 3].map((q) => normalAt(seed, OFF_POP + 8 * g + 2 * q))
      cells.push({
        typeId: spec.id,
        typeName: spec.name,
        sign: spec.sign,
        tauPeakMs: spec.tauPeakMs * Math.exp(j * z[0]),
        beta: Math.min(1, Math.max(0, spec.beta + 0.5 * j * z[1])),
        theta: spec.theta + 2 * j * z[2],
        rMaxHz: spec.rMaxHz * Math.exp(2 * j * z[3]),
      })
    }
  }
  const nb = durationMs
  const nFrames = (durationMs * FRAME_RATE) / 1000
  const frames = new Float64Array(nFrames)
  for (let f = 0; f < nFrames; f++) frames[f] = normalAt(seed, OFF_STIM + 2 * f)
  const stimulus = new Float64Array(nb)
  // Integer frame index: float division at frame boundaries is not portable.
  for (let k = 0; k < nb; k++) stimulus[k] = frames[Math.floor((k * FRAME_RATE) / 1000)]

  const spikes: Float64Array[][] = []
  const buf = new Float64Array(nb)
  for (let i = 0; i < cells.length; i++) {
    const p = spikeProbability(stimulus, cells[i])
    const perRepeat: Float64Array[] = []
    for (let r = 0; r < R; r++) {
      let last = -Infinity
      let n = 0
      const base = OFF_SPK + 2 * (i * R + r) * nb
      for (let k = 0; k < nb; k++) {
        const idx = base + 2 * k
        const u1 = uniformAt(seed, idx)
        if (u1 < p[k] && k - last >= REFRACTORY_BINS) {
          buf[n++] = (k + uniformAt(seed, idx + 1)) / 1000
          last = k
        }
      }
      perRepeat.push(buf.slice(0, n))
    }
    spikes.push(perRepeat)
  }
  return { cells, spikes, frames, repeats: R, durationS: durationMs / 1000, options }
}

/** Flattens a synthetic population into a SpikeBatch with trial = repeat index (times relative to repeat onset). */
export function syntheticToSpikeBatch(retina: SyntheticRetina): SpikeBatch {
  let total = 0
  for (const cell of retina.spikes) for (const r of cell) total += r.length
  const t = new Float64Array(total)
  const neuron = new Uint32Array(total)
  const trial = new Int32Array(total)
  let o = 0
  retina.spikes.forEach((cell, i) =>
    cell.forEach((times, r) => {
      t.set(times, o)
      neuron.fill(i, o, o + times.length)
      trial.fill(r, o, o + times.length)
      o += times.length
    }),
  )
  return { t, neuron, trial }
}

/** CSV contract of spike-trains.md §5.7 (`neuron,trial,condition,time_s`, 17 significant digits). */
export function syntheticToCsv(retina: SyntheticRetina): string {
  const lines = ['neuron,trial,condition,time_s']
  retina.spikes.forEach((cell, i) =>
    cell.forEach((times, r) => {
      for (const t of times) lines.push(`${i},${r + 1},${retina.cells[i].typeName},${t.toPrecision(17)}`)
    }),
  )
  return lines.join('\n') + '\n'
}

/**
 * The population as a recording with absolute times: repeat r occupies [r·T, (r+1)·T), one trial per
 * repeat, units labelled with their true type (for NWB export and the round trip).
 */
export function syntheticToRecording(retina: SyntheticRetina): SpikeRecording {
  const T = retina.durationS
  const rel = syntheticToSpikeBatch(retina)
  const t = Float64Array.from(rel.t, (v, k) => v + rel.trial![k] * T)
  return {
    sourceFormat: 'synthetic',
    units: retina.cells.map((c, i) => ({ id: String(i), label: c.typeName })),
    batch: { t, neuron: rel.neuron, trial: rel.trial },
    timeBase: 'absolute',
    trials: Array.from({ length: retina.repeats }, (_, r) => ({ index: r, id: String(r + 1), start: r * T, stop: (r + 1) * T, condition: 'frozen-noise' })),
    warnings: [],
  }
}

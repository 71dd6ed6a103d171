import { SpikelabError } from '../../common/errors.js'
import type { FloatNetwork } from './float-network.js'
import type { LifStage } from './stages.js'
import { lifStages } from './stages.js'

/** What one float run of a network gives. */
export interface FloatRun {
  /** Output spikes per step: outputSpikes[t][o] ∈ {0, 1}. */
  readonly outputSpikes: Uint8Array[]
  /** Spike count per output neuron over the run. */
  readonly outputCounts: Uint32Array
  /** Spikes per LIF layer (stage order) over the run. */
  readonly layerSpikes: number[]
  /** Largest and smallest membrane seen per LIF layer (for calibration). */
  readonly membraneMax: number[]
  readonly membraneMin: number[]
}

/** A column-major (by input) copy of a stage's matrix, so a sparse input touches only its columns. */
interface PreparedStage {
  readonly stage: LifStage
  readonly colPtr: Uint32Array
  readonly rowIdx: Uint32Array
  readonly values: Float64Array
}

/**
 * The float reference simulator: plain JS, one step per tick, the semantics documented in
 * `float-network.ts` (snnTorch `Leaky`, reset from the previous step's membrane, strict `>`).
 * Build once per network, run per sample.
 */
export class FloatSimulator {
  private readonly stages: PreparedStage[]
  readonly nInputs: number
  readonly nOutputs: number

  constructor(readonly net: FloatNetwork) {
    this.stages = lifStages(net).map(prepare)
    this.nInputs = this.stages[0].stage.feed.cols
    this.nOutputs = this.stages[this.stages.length - 1].stage.size
  }

  get layerSizes(): number[] {
    return this.stages.map((s) => s.stage.size)
  }

  /** Runs from rest over `input[t][i]` (spikes or event counts per input and step). */
  run(input: readonly ArrayLike<number>[]): FloatRun {
    const u = this.stages.map((s) => new Float64Array(s.stage.size))
    const spikes = this.stages.map((s) => new Uint8Array(s.stage.size))
    const current = this.stages.map((s) => new Float64Array(s.stage.size))
    const layerSpikes = this.stages.map(() => 0)
    const membraneMax = this.stages.map(() => 0)
    const membraneMin = this.stages.map(() => 0)
    const outputSpikes: Uint8Array[] = []
    const outputCounts = new Uint32Array(this.nOutputs)
    for (let t = 0; t < input.length; t++) {
      let x: ArrayLike<number> = input[t]
      if (x.length !== this.nInputs) {
        throw new SpikelabError('BAD_INPUT', `step ${t} has ${x.length} inputs, the network takes ${this.nInputs}`, { field: `input[${t}]` })
      }
      this.stages.forEach((p, li) => {
        const { stage } = p
        const I = current[li]
        I.set(stage.feed.bias)
        for (let j = 0; j < x.length; j++) {
          const xj = x[j]
          if (xj === 0) continue
          for (let k = p.colPtr[j]; k < p.colPtr[j + 1]; k++) I[p.rowIdx[k]] += p.values[k] * xj
        }
        const s = spikes[li]
        const rec = stage.lif.recurrent
        if (rec) {
          const n = stage.size
          for (let j = 0; j < n; j++) if (s[j]) for (let i = 0; i < n; i++) I[i] += rec[j * n + i]
        }
        const { beta, threshold, reset } = stage.lif
        const U = u[li]
        let count = 0
        for (let n = 0; n < stage.size; n++) {
          const th = threshold[n]
          const fired = U[n] > th // R[t] = H(U[t−1] − θ)
          let next: number
          if (reset === 'subtract') next = beta[n] * U[n] + I[n] - (fired ? th : 0)
          else next = (fired ? 0 : beta[n] * U[n]) + I[n]
          U[n] = next
          const sp = next > th ? 1 : 0
          s[n] = sp
          count += sp
          if (next > membraneMax[li]) membraneMax[li] = next
          if (next < membraneMin[li]) membraneMin[li] = next
        }
        layerSpikes[li] += count
        x = s
      })
      const out = Uint8Array.from(spikes[spikes.length - 1])
      for (let o = 0; o < out.length; o++) outputCounts[o] += out[o]
      outputSpikes.push(out)
    }
    return { outputSpikes, outputCounts, layerSpikes, membraneMax, membraneMin }
  }
}

function prepare(stage: LifStage): PreparedStage {
  const m = stage.feed
  const colPtr = new Uint32Array(m.cols + 1)
  for (const c of m.colIdx) colPtr[c + 1]++
  for (let c = 0; c < m.cols; c++) colPtr[c + 1] += colPtr[c]
  const fill = colPtr.slice(0, m.cols)
  const rowIdx = new Uint32Array(m.colIdx.length)
  const values = new Float64Array(m.colIdx.length)
  for (let r = 0; r < m.rows; r++) {
    for (let k = m.rowPtr[r]; k < m.rowPtr[r + 1]; k++) {
      const dst = fill[m.colIdx[k]]++
      rowIdx[dst] = r
      values[dst] = m.values[k]
    }
  }
  return { stage, colPtr, rowIdx, values }
}

/** One float run of `net` on `inputSpikes[t][i]` (convenience for single samples). */
export function simulateFloatNetwork(net: FloatNetwork, inputSpikes: readonly ArrayLike<number>[]): FloatRun {
  return new FloatSimulator(net).run(inputSpikes)
}

/**
 * IDE and VDIB figures (spec snn-methods.md §C, §A).
 *
 *   npx tsx bench/snn-ide-vdib.bench.ts                 # both parts (a few minutes on a shared 2-core machine)
 *   npx tsx bench/snn-ide-vdib.bench.ts --ide           # IDE memory at T = 30 vs T = 100 only
 *   npx tsx bench/snn-ide-vdib.bench.ts --vdib          # VDIB time vs rate decoding only (50,000 sequences, seed 0)
 *   npx tsx bench/snn-ide-vdib.bench.ts --vdib --sequences 2000 --trials 3 --first-seed 0
 *
 * IDE: one training step of the default net (784 → 400 ⟲ → 10, B = 128, Broyden, wasm) at T = 30 and
 * T = 100, each in its own process: peak tensor bytes during the step (tf.profile's high-water mark),
 * peak RSS of the process (secondary: includes Node, tfjs and the data set), and seconds per step.
 *
 * VDIB: the predictive-coding task (§A.6 defaults: 20 inputs, 10 readout, τ_d = 5, T = 100, linear
 * decoder, lr 0.01, β 1, r 0.2, 50,000 sequences, tested every 2,000), trained with time decoding and
 * with rate decoding from the same seed; prints the test accuracy (fraction of the steps of a fresh
 * 1,000-step sequence whose decoded pattern is right, §A.7): the best over the periodic evaluations, as
 * the reference script reports, and the mean of the last five (5,000 test steps, less noisy). The whole
 * task runs on the host (no tensors), ≈ 10–20 ms per sequence.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs'
import type { VdibConfig } from '../main/snn/index.js'
import { HostSgd, ideConfig, ideNetwork, ideTrainStep, initBackend, loadMnist, SeededRandom, trainVdib } from '../main/snn/index.js'

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

async function ideMemoryChild(steps: number): Promise<void> {
  await initBackend('wasm')
  const config = ideConfig({ backend: 'wasm', steps })
  const net = ideNetwork(config)
  const sgd = new HostSgd(net.parameters, { momentum: config.momentum, weightDecay: config.weightDecay })
  const digits = loadMnist()
  const batch = config.batchSize
  const x = tf.tensor2d(digits.images.subarray(0, batch * 784), [batch, 784])
  const labels = digits.labels.subarray(0, batch)
  const rng = new SeededRandom(0)
  ideTrainStep(net, sgd, config, { kind: 'analog', x }, labels, config.learningRate, rng) // warm-up
  // timed without the profiler (it records every kernel), then profiled for the memory high-water mark
  const t0 = performance.now()
  ideTrainStep(net, sgd, config, { kind: 'analog', x }, labels, config.learningRate, rng)
  const seconds = (performance.now() - t0) / 1000
  let result: { residual: number; iterations: number } = { residual: 0, iterations: 0 }
  const info = await tf.profile(() => {
    const r = ideTrainStep(net, sgd, config, { kind: 'analog', x }, labels, config.learningRate, rng)
    result = { residual: r.relativeResidual, iterations: r.solverIterations }
  })
  const rssMiB = process.resourceUsage().maxRSS / 1024
  console.log(JSON.stringify({ steps, peakBytes: info.peakBytes, rssMiB, seconds, ...result }))
}

function ideMemory(): void {
  const script = fileURLToPath(import.meta.url)
  const rows: { steps: number; peakBytes: number; rssMiB: number; seconds: number; residual: number; iterations: number }[] = []
  for (const steps of [30, 100]) {
    const child = spawnSync(process.execPath, [...process.execArgv, script, '--ide-child', String(steps)], { encoding: 'utf8' })
    if (child.status !== 0) throw new Error(`IDE child for T = ${steps} failed: ${child.stderr}`)
    rows.push(JSON.parse(child.stdout.trim().split('\n').at(-1) as string))
  }
  for (const r of rows) {
    console.log(
      `snn ide step (784-400⟲-10, B=128, broyden, wasm) T=${r.steps}: peak tensor memory ${(r.peakBytes / 2 ** 20).toFixed(2)} MiB, peak RSS ${r.rssMiB.toFixed(0)} MiB, ${r.seconds.toFixed(2)} s/step, solver residual ${r.residual.toExponential(1)} after ${r.iterations} it.`,
    )
  }
  const [a, b] = rows
  console.log(`snn ide peak tensor memory T=100 vs T=30: ${((b.peakBytes / a.peakBytes - 1) * 100).toFixed(2)} % (goal: within ±10 %); peak RSS ${((b.rssMiB / a.rssMiB - 1) * 100).toFixed(2)} %`)
}

/** Mean and sample standard deviation. */
function meanSd(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, x) => s + x, 0) / values.length
  const sd = values.length > 1 ? Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1)) : Number.NaN
  return { mean, sd }
}

const percent = (v: { mean: number; sd: number }) => `${(v.mean * 100).toFixed(2)} %${Number.isNaN(v.sd) ? '' : ` ± ${(v.sd * 100).toFixed(2)}`}`

async function vdibComparison(): Promise<void> {
  const sequences = Number(argument('sequences') ?? 50_000)
  const trials = Number(argument('trials') ?? 1)
  const firstSeed = Number(argument('first-seed') ?? 0)
  // the reference script tests every 2,000 sequences (25 evaluations over 50,000)
  const testPeriod = Math.min(2000, sequences)
  const epochs = Math.max(1, Math.round(sequences / testPeriod))
  type Row = { best: number; last: number; lastFive: number; nll: number }
  const rows: Record<'time' | 'rate', Row[]> = { time: [], rate: [] }
  for (let trial = 0; trial < trials; trial++) {
    const seed = firstSeed + trial
    for (const decoding of ['time', 'rate'] as const) {
      const config: Partial<VdibConfig> = { backend: 'cpu', decoding, seed, epochs, examplesPerEpoch: testPeriod }
      const t0 = performance.now()
      const result = await trainVdib(config)
      const accuracies = result.history.map((h) => h.testAccuracy)
      const last = result.history.at(-1)
      const row: Row = {
        best: Math.max(...accuracies),
        last: accuracies.at(-1) as number,
        lastFive: meanSd(accuracies.slice(-5)).mean,
        nll: last?.extra?.testNll ?? Number.NaN,
      }
      rows[decoding].push(row)
      console.log(
        `snn vdib predictive coding, ${decoding} decoding, seed ${seed}, ${epochs * testPeriod} sequences: test accuracy per evaluation ${accuracies.map((a) => (a * 100).toFixed(1)).join(', ')} %; best ${(row.best * 100).toFixed(2)} %, mean of the last 5 ${(row.lastFive * 100).toFixed(2)} %, last test NLL ${row.nll.toFixed(3)}, firing rate ${last?.extra?.firingRate.toFixed(3)}, train accuracy ${((last?.trainAccuracy ?? Number.NaN) * 100).toFixed(2)} % (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
      )
    }
  }
  for (const decoding of ['time', 'rate'] as const) {
    const r = rows[decoding]
    console.log(
      `snn vdib predictive coding (${epochs * testPeriod} training sequences, seeds ${firstSeed}..${firstSeed + trials - 1}), ${decoding} decoding: best test accuracy ${percent(meanSd(r.map((x) => x.best)))}, mean of the last 5 evaluations ${percent(meanSd(r.map((x) => x.lastFive)))}, last test NLL ${meanSd(r.map((x) => x.nll)).mean.toFixed(3)} (uniform guess: ln 210 = ${Math.log(210).toFixed(3)})`,
    )
  }
  const wins = rows.time.filter((t, k) => t.best >= rows.rate[k].best).length
  console.log(`snn vdib predictive coding: time decoding ≥ rate decoding (best accuracy) in ${wins} of ${trials} seed(s)`)
}

const child = argument('ide-child')
if (child !== undefined) {
  await ideMemoryChild(Number(child))
} else {
  const onlyIde = process.argv.includes('--ide')
  const onlyVdib = process.argv.includes('--vdib')
  if (!onlyVdib) ideMemory()
  if (!onlyIde) await vdibComparison()
}

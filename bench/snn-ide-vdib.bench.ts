/**
 * IDE and VDIB figures (spec snn-methods.md §C, §A).
 *
 *   npx tsx bench/snn-ide-vdib.bench.ts                 # both parts (a few minutes on a shared 2-core machine)
 *   npx tsx bench/snn-ide-vdib.bench.ts --ide           # IDE memory at T = 30 vs T = 100 only
 *   npx tsx bench/snn-ide-vdib.bench.ts --vdib          # VDIB time vs rate decoding only
 *   npx tsx bench/snn-ide-vdib.bench.ts --vdib --sequences 2000 --trials 3
 *
 * IDE: one training step of the default net (784 → 400 ⟲ → 10, B = 128, Broyden, wasm) at T = 30 and
 * T = 100, each in its own process: peak tensor bytes during the step (tf.profile's high-water mark),
 * peak RSS of the process (secondary: includes Node, tfjs and the data set), and seconds per step.
 *
 * VDIB: the predictive-coding task (§A.6 defaults: 20 inputs, 10 readout, τ_d = 5, T = 100, linear
 * decoder, lr 0.01, β 1, r 0.2), trained with time decoding and with rate decoding on the same
 * sequences; prints the test accuracy (fraction of steps of a fresh 1,000-step sequence whose decoded
 * pattern is right, §A.7) — best over the periodic evaluations as the paper's scripts report, and last.
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

async function vdibComparison(): Promise<void> {
  const sequences = Number(argument('sequences') ?? 2000)
  const trials = Number(argument('trials') ?? 1)
  const epochs = 5
  const summary: Record<string, { best: number[]; last: number[]; nll: number[] }> = { time: { best: [], last: [], nll: [] }, rate: { best: [], last: [], nll: [] } }
  for (let trial = 0; trial < trials; trial++) {
    for (const decoding of ['time', 'rate'] as const) {
      const config: Partial<VdibConfig> = { backend: 'wasm', decoding, seed: trial, epochs, examplesPerEpoch: Math.ceil(sequences / epochs) }
      const t0 = performance.now()
      const result = await trainVdib(config)
      const accuracies = result.history.map((h) => h.testAccuracy)
      const last = result.history.at(-1)
      summary[decoding].best.push(Math.max(...accuracies))
      summary[decoding].last.push(accuracies.at(-1) as number)
      summary[decoding].nll.push(last?.extra?.testNll ?? Number.NaN)
      console.log(
        `snn vdib predictive coding, ${decoding} decoding, trial ${trial + 1}: test accuracy per evaluation ${accuracies.map((a) => (a * 100).toFixed(1)).join(', ')} %, last test NLL ${last?.extra?.testNll.toFixed(3)}, firing rate ${last?.extra?.firingRate.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
      )
    }
  }
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length
  for (const decoding of ['time', 'rate'] as const) {
    const s = summary[decoding]
    console.log(
      `snn vdib predictive coding (${sequences} training sequences × ${trials} trial(s)), ${decoding} decoding: best test accuracy ${(mean(s.best) * 100).toFixed(2)} %, last ${(mean(s.last) * 100).toFixed(2)} %, last test NLL ${mean(s.nll).toFixed(3)} (uniform guess: ln 210 = ${Math.log(210).toFixed(3)})`,
    )
  }
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

// Scores a saved coarse-LIF checkpoint on its held-out digits under several read-outs, on the exact
// input spikes the run's own scoring drew (same seed, same batches): how often the output spike
// counts tie, and what each way of settling them gives. The evidence behind the default read-out
// (coarse/readout.ts), chosen on the validation split:
//
//   npx tsx bench/snn-coarse.bench.ts --accuracy --validation --epochs 50 --milestones 30,40 --transfer 0 --save val.ckpt
//   npx tsx bench/snn-coarse-readouts.ts val.ckpt
//   npx tsx bench/snn-coarse-readouts.ts val.ckpt --streams 10   # also 9 more independent input streams: mean and spread
//
// 'count' and 'count-then-drive' are the product's read-outs; the rest are for comparison only. The
// input is random (fresh Bernoulli spikes), so one pass over 2,000 digits varies by a few tenths of a
// point from stream to stream; --streams shows how much, and the mean is the model's expected accuracy.
import { readFileSync } from 'node:fs'
import v8 from 'node:v8'
import * as tf from '@tensorflow/tfjs'
import type { Checkpoint, CoarseConfig } from '../main/snn/index.js'
import { coarseEvaluationSeed, coarseInput, coarseSplit, readoutClasses, restoreCoarseNetwork, SeededRandom } from '../main/snn/index.js'

const file = process.argv[2]
const streamsIndex = process.argv.indexOf('--streams')
const streams = streamsIndex > 0 ? Number(process.argv[streamsIndex + 1]) : 1
if (!file || !(Number.isInteger(streams) && streams >= 1)) {
  console.error('usage: npx tsx bench/snn-coarse-readouts.ts CHECKPOINT [--streams N]   (CHECKPOINT written by bench/snn-coarse.bench.ts --save)')
  process.exit(2)
}
const checkpoint = v8.deserialize(readFileSync(file)) as Checkpoint<CoarseConfig>
const { network, config } = await restoreCoarseNetwork(checkpoint)
const { test } = coarseSplit(config)
const steps = config.steps
const classes = network.outputSize

/** Among the classes tied at the top count, the one with the largest `score` (first on equal scores). */
function settle(tied: number[], score: (k: number) => number): number {
  return tied.reduce((best, k) => (score(k) > score(best) ? k : best), tied[0])
}

const RULES = {
  count: "count (ties → lowest class, the paper code's argmax)",
  countThenDrive: 'count-then-drive (ties → most summed input; default)',
  randomTieBreak: 'count, ties at random (expected)',
  countThenLastMembrane: 'count, ties → highest last membrane potential',
  countThenFirstSpike: 'count, ties → earliest first spike',
  driveOnly: 'summed input alone (no spike count)',
} as const
type Rule = keyof typeof RULES

/** Correct predictions per rule on one input stream (stream 0 is the one the run's own scoring drew). */
function scoreStream(stream: number): { correct: Record<Rule, number>; ties: number; tiesWithTruth: number } {
  const rng = new SeededRandom(coarseEvaluationSeed(config) + stream * 0x10000)
  const correct: Record<Rule, number> = { count: 0, countThenDrive: 0, randomTieBreak: 0, countThenLastMembrane: 0, countThenFirstSpike: 0, driveOnly: 0 }
  let ties = 0
  let tiesWithTruth = 0
  for (let start = 0; start < test.count; start += config.evalBatchSize) {
    const end = Math.min(test.count, start + config.evalBatchSize)
    const indices = Int32Array.from({ length: end - start }, (_, k) => start + k)
    const batch = indices.length
    const { spikes, drive, mem } = tf.tidy(() => {
      const out = network.forward(coarseInput(config, network.inputShape, test, indices, rng))
      return { spikes: out.spikes.dataSync() as Float32Array, drive: out.outputDrive, mem: out.outputMem }
    })
    const byCount = readoutClasses(spikes, drive, steps, classes, 'count')
    const byCountThenDrive = readoutClasses(spikes, drive, steps, classes, 'count-then-drive')
    for (let b = 0; b < batch; b++) {
      const truth = test.labels[start + b]
      const count = new Array<number>(classes).fill(0)
      const summed = new Array<number>(classes).fill(0)
      const first = new Array<number>(classes).fill(steps)
      const last = new Array<number>(classes).fill(0)
      for (let t = 0; t < steps; t++) {
        for (let k = 0; k < classes; k++) {
          const i = (t * batch + b) * classes + k
          count[k] += spikes[i]
          summed[k] += drive[i]
          if (spikes[i] > 0 && first[k] > t) first[k] = t
          if (t === steps - 1) last[k] = mem[i]
        }
      }
      const top = Math.max(...count)
      const tied = count.flatMap((c, k) => (c === top ? [k] : []))
      if (tied.length > 1) {
        ties++
        if (tied.includes(truth)) tiesWithTruth++
      }
      if (byCount[b] === truth) correct.count++
      if (byCountThenDrive[b] === truth) correct.countThenDrive++
      if (tied.includes(truth)) correct.randomTieBreak += 1 / tied.length
      if (settle(tied, (k) => last[k]) === truth) correct.countThenLastMembrane++
      if (settle(tied, (k) => -first[k]) === truth) correct.countThenFirstSpike++
      if (summed.indexOf(Math.max(...summed)) === truth) correct.driveOnly++
    }
  }
  return { correct, ties, tiesWithTruth }
}

const pct = (n: number) => `${((100 * n) / test.count).toFixed(2)} %`
const results = Array.from({ length: streams }, (_, k) => scoreStream(k))
network.dispose()
const own = results[0]
console.log(`${file}: ${test.count} held-out digits, epoch ${checkpoint.epoch}; top count tied on ${own.ties} (the true class among them on ${own.tiesWithTruth})`)
for (const [rule, label] of Object.entries(RULES) as [Rule, string][]) {
  let line = `  ${label.padEnd(55)}${pct(own.correct[rule])}`
  if (streams > 1) {
    const values = results.map((r) => (100 * r.correct[rule]) / test.count)
    const mean = values.reduce((a, b) => a + b, 0) / streams
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (streams - 1))
    line += `   over ${streams} streams: mean ${mean.toFixed(2)} %, sd ${sd.toFixed(2)}, range ${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)} %`
  }
  console.log(line)
}

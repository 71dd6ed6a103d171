// Scores a saved coarse-LIF checkpoint on its held-out digits under several read-outs, on the exact
// input spikes the run's own scoring drew (same seed, same batches): how often the output spike
// counts tie, and what each way of settling them gives. The evidence behind the default read-out
// (coarse/readout.ts), chosen on the validation split:
//
//   npx tsx bench/snn-coarse.bench.ts --accuracy --validation --epochs 50 --milestones 30,40 --transfer 0 --save val.ckpt
//   npx tsx bench/snn-coarse-readouts.ts val.ckpt
//
// 'count' and 'count-then-drive' are the product's read-outs; the rest are for comparison only.
import { readFileSync } from 'node:fs'
import v8 from 'node:v8'
import * as tf from '@tensorflow/tfjs'
import type { Checkpoint, CoarseConfig } from '../main/snn/index.js'
import { coarseEvaluationSeed, coarseInput, coarseSplit, readoutClasses, restoreCoarseNetwork, SeededRandom } from '../main/snn/index.js'

const file = process.argv[2]
if (!file) {
  console.error('usage: npx tsx bench/snn-coarse-readouts.ts CHECKPOINT   (written by bench/snn-coarse.bench.ts --save)')
  process.exit(2)
}
const checkpoint = v8.deserialize(readFileSync(file)) as Checkpoint<CoarseConfig>
const { network, config } = await restoreCoarseNetwork(checkpoint)
const { test } = coarseSplit(config)
const rng = new SeededRandom(coarseEvaluationSeed(config))
const steps = config.steps
const classes = network.outputSize

/** Among the classes tied at the top count, the one with the largest `score` (first on equal scores). */
function settle(tied: number[], score: (k: number) => number): number {
  return tied.reduce((best, k) => (score(k) > score(best) ? k : best), tied[0])
}

const correct = { count: 0, countThenDrive: 0, randomTieBreak: 0, countThenLastMembrane: 0, countThenFirstSpike: 0, driveOnly: 0 }
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
network.dispose()

const pct = (n: number) => `${((100 * n) / test.count).toFixed(2)} %`
console.log(`${file}: ${test.count} held-out digits, epoch ${checkpoint.epoch}; top count tied on ${ties} (the true class among them on ${tiesWithTruth})`)
console.log(`  count (ties → lowest class, the paper code's argmax)   ${pct(correct.count)}`)
console.log(`  count-then-drive (ties → most summed input; default)   ${pct(correct.countThenDrive)}`)
console.log(`  count, ties at random (expected)                       ${pct(correct.randomTieBreak)}`)
console.log(`  count, ties → highest last membrane potential          ${pct(correct.countThenLastMembrane)}`)
console.log(`  count, ties → earliest first spike                     ${pct(correct.countThenFirstSpike)}`)
console.log(`  summed input alone (no spike count)                    ${pct(correct.driveOnly)}`)

/**
 * Spike-analysis benchmark (issue 8): classification speed at 1,000 cells × 100 repeats × 10 s,
 * and the synthetic-retina ARI table (synthetic-retina-benchmark.md §6.1).
 * Run: npx tsx bench/spikes.bench.ts [--cells 1000] [--seeds 10] [--skip-table] [--skip-speed]
 */
import os from 'node:os'
import { adjustedRandIndex } from '../main/spikes/adjusted-rand.js'
import { classifyCells } from '../main/spikes/classify.js'
import { quadraticExtrapolation } from '../main/spikes/estimators.js'
import { responsesFromBatch } from '../main/spikes/responses.js'
import { generateSyntheticRetina, syntheticToSpikeBatch, type SyntheticRetinaOptions } from '../main/spikes/synthetic-retina.js'

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`)

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(0)

async function speed(cells: number): Promise<void> {
  const perType = Math.round(cells / 4)
  let t0 = performance.now()
  const retina = generateSyntheticRetina({ types: 4, cellsPerType: perType, jitter: 0.1, repeats: 100, seed: 1 })
  const batch = syntheticToSpikeBatch(retina)
  console.log(`synthetic retina generation (${4 * perType} cells × 100 repeats × 10 s, ${batch.t.length} spikes): ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  let peakRss = process.memoryUsage().rss
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20)
  const rssBefore = process.memoryUsage().rss
  t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const res = await classifyCells(batch, { duration: 10, k: 4, extrapolate: false })
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  clearInterval(timer)
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
  const ari = adjustedRandIndex(res.labels, retina.cells.map((c) => c.typeId))
  console.log(`classify ${4 * perType} cells × 100 repeats × 10 s (words, PT, split-half floor, AIB, K rules, cut, I_1): ${seconds.toFixed(2)} s wall`)
  // The machine is shared: CPU time of this process is the figure that does not depend on other load.
  console.log(`classify ${4 * perType} cells CPU time: ${cpuSeconds.toFixed(2)} s (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`)
  console.log(`classify peak RSS: ${mb(peakRss)} MB (before classify ${mb(rssBefore)} MB)`)
  console.log(`classify ${4 * perType} cells: ARI @ K=4 = ${ari.toFixed(3)}, K_jump = ${res.kJump?.k}`)
  // Quadratic extrapolation is a cross-check estimator (6 extra histogram builds); timed on its own.
  const resp = responsesFromBatch(batch, { duration: 10, binSize: 0.01 })
  const q0 = process.cpuUsage()
  const t1 = performance.now()
  quadraticExtrapolation(resp, { wordLength: 3 }, 1, res.information.plugin)
  const qCpu = process.cpuUsage(q0)
  console.log(`quadratic extrapolation (QE) for the same data: ${((performance.now() - t1) / 1000).toFixed(2)} s wall, ${((qCpu.user + qCpu.system) / 1e6).toFixed(2)} s CPU`)
}

interface Setting {
  readonly name: string
  readonly o: Omit<SyntheticRetinaOptions, 'seed'>
  readonly kTrue: number
}

const SETTINGS: readonly Setting[] = [
  { name: 'easy', o: { types: 4, cellsPerType: 8, jitter: 0.1, repeats: 100 }, kTrue: 4 },
  { name: 'medium', o: { types: 6, cellsPerType: 6, jitter: 0.1, repeats: 100 }, kTrue: 6 },
  { name: 'hard', o: { types: 6, cellsPerType: 6, jitter: 0.2, repeats: 100 }, kTrue: 6 },
]

async function table(seeds: number): Promise<void> {
  console.log(`| setting | seeds | I(N) plug-in / PT (bits) | I(K_true)/I(N) | ARI @ K_true mean ± SD [min, max] | K_jump = K_true | K_knee = K_true | F (mbit) | K_floor | I_1 (bits/spike) | analysis time per replicate |`)
  console.log(`|---|---|---|---|---|---|---|---|---|---|---|`)
  for (const s of SETTINGS) {
    const aris: number[] = []
    let hits = 0
    let kneeHits = 0
    let retained = 0
    const kFloors: number[] = []
    let iN = 0
    let iPt = 0
    let floor = 0
    let i1 = 0
    let time = 0
    for (let seed = 1; seed <= seeds; seed++) {
      const retina = generateSyntheticRetina({ ...s.o, seed })
      const batch = syntheticToSpikeBatch(retina)
      const t0 = performance.now()
      const res = await classifyCells(batch, { duration: 10, k: s.kTrue, extrapolate: false })
      time += performance.now() - t0
      aris.push(adjustedRandIndex(res.labels, retina.cells.map((c) => c.typeId)))
      if (res.kJump?.k === s.kTrue) hits++
      if (res.kKnee?.k === s.kTrue) kneeHits++
      retained += res.infoAtK / res.information.plugin
      kFloors.push(res.floor?.kFloor ?? NaN)
      iN += res.information.plugin
      iPt += res.information.pt
      floor += res.floor?.value ?? NaN
      i1 += res.spikesToIdentify.bitsPerSpike
    }
    const mean = aris.reduce((a, b) => a + b, 0) / aris.length
    const sd = Math.sqrt(aris.reduce((a, b) => a + (b - mean) ** 2, 0) / aris.length)
    const n = seeds
    console.log(
      `| ${s.name} | 1–${n} | ${(iN / n).toFixed(3)} / ${(iPt / n).toFixed(3)} | ${(retained / n).toFixed(3)} | ${mean.toFixed(3)} ± ${sd.toFixed(3)} [${Math.min(...aris).toFixed(3)}, ${Math.max(...aris).toFixed(3)}] | ${hits}/${n} | ${kneeHits}/${n} | ${((1000 * floor) / n).toFixed(2)} | ${Math.min(...kFloors)}–${Math.max(...kFloors)} | ${(i1 / n).toFixed(2)} | ${(time / n / 1000).toFixed(2)} s |`,
    )
  }
}

if (!flag('skip-speed')) await speed(arg('cells', 1000))
if (!flag('skip-table')) await table(arg('seeds', 10))

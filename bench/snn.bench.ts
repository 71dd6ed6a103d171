/**
 * SNN training benchmark: the reference network of performance-anchors.md (784-1000-10 LIF, β 0.95,
 * T = 25, B = 128, Adam 5e-4, rate-coded MNIST). Reference on a 2-core machine (snnTorch 0.9.4,
 * PyTorch 1.13): 320 samples/s, 506 MiB peak RSS, 91.3 % test accuracy after 5 epochs on 8,000/2,000.
 *
 *   npx tsx bench/snn.bench.ts                       # throughput + peak RSS (about a minute)
 *   npx tsx bench/snn.bench.ts --backend cpu         # same on another backend (auto | wasm | cpu)
 *   npx tsx bench/snn.bench.ts --batches 40          # longer throughput run
 *   npx tsx bench/snn.bench.ts --accuracy            # 5 epochs on 8,000/2,000 digits (several minutes)
 *   SPIKELAB_SNN_THREADS=2 npx tsx bench/snn.bench.ts # with the row-sum helper thread (second core)
 *
 * Peak RSS is the whole process (Node, tfjs, the data set), as the anchor's ru_maxrss; run one
 * configuration per process for a clean figure.
 */
import os from 'node:os'
import type { BackendPreference, BpttConfig } from '../main/snn/index.js'
import { train } from '../main/snn/index.js'

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const backend = (argument('backend') ?? 'auto') as BackendPreference
const accuracyRun = process.argv.includes('--accuracy')
const batches = Number(argument('batches') ?? 20)

const config: Partial<BpttConfig> = accuracyRun
  ? { backend }
  : { backend, epochs: 2, maxBatchesPerEpoch: batches, data: { source: 'mnist', trainCount: 8000, testCount: 0, splitSeed: 0 } }

const load0 = os.loadavg()[0]
const cpu0 = process.cpuUsage()
const wall0 = performance.now()
// CPU seconds per epoch: on a shared machine samples per CPU-second shows the engine's own speed.
const epochCpuSeconds: number[] = []
let epochCpu = process.cpuUsage()
const result = await train(config, {
  onEpoch: (m) => {
    const used = process.cpuUsage(epochCpu)
    epochCpuSeconds.push((used.user + used.system) / 1e6)
    epochCpu = process.cpuUsage()
    if (accuracyRun) {
      console.log(
        `snn bptt epoch ${m.epoch}: test accuracy ${(m.testAccuracy * 100).toFixed(2)} %, mean loss ${m.trainLoss.toFixed(3)}, ${m.samplesPerSecond.toFixed(1)} samples/s`,
      )
    }
  },
})
const cpu = process.cpuUsage(cpu0)
const wall = (performance.now() - wall0) / 1000
const b = result.backend
const label = `${b.name}${b.simd ? ' SIMD' : ''}${b.multithread ? ' threads' : ''}, tfjs ${b.tfjsVersion}`

if (accuracyRun) {
  const last = result.history.at(-1)
  if (last) console.log(`snn bptt accuracy after ${last.epoch} epochs (8000/2000, ${label}): ${(last.testAccuracy * 100).toFixed(2)} %`)
} else {
  const [warm, steady] = result.history
  console.log(`snn bptt train, first ${batches} batches (${label}): ${warm.samplesPerSecond.toFixed(1)} samples/s`)
  console.log(`snn bptt train, steady state (784-1000-10, T=25, B=128, ${label}): ${steady.samplesPerSecond.toFixed(1)} samples/s`)
  console.log(`snn bptt train, steady state per CPU-second: ${(batches * 128 / epochCpuSeconds[1]).toFixed(1)} samples/cpu-s`)
}
console.log(`snn bptt peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`)
console.log(`snn bptt process cpu/wall: ${((cpu.user + cpu.system) / 1e6 / wall).toFixed(2)}, load average ${load0.toFixed(2)} -> ${os.loadavg()[0].toFixed(2)}`)

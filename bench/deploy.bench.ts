/**
 * Deploy benchmark: train an MNIST FC network, quantize it for RP1, and compare float and quantized
 * accuracy on the same rate-coded held-out digits; time the compiler, the host preview and an
 * evaluation on the simulated board (in process, unpaced link: the protocol and board cost without
 * the 2 Mbaud line; `spikelab evaluate --sim` measures the paced pty path).
 *
 *   npx tsx bench/deploy.bench.ts                 # 784-100-10, 1 epoch on 2,000 digits, 1,000 test digits (~1 min)
 *   npx tsx bench/deploy.bench.ts --reference     # 784-1000-10, 5 epochs on 8,000/2,000 (the reference net; many minutes)
 *   npx tsx bench/deploy.bench.ts --hidden 300 --epochs 3 --train 6000 --test 2000   # a mid-size variant
 *   npx tsx bench/deploy.bench.ts --calibrate 0   # without calibration (membrane range = 4 thresholds)
 */
import type { BpttConfig } from '../main/snn/index.js'
import { bpttConfig, mnistSplit, train } from '../main/snn/index.js'
import { compileNetwork, evaluateOnBoard, floatNetworkFromCheckpoint, mnistSamples, previewModel } from '../main/deploy/index.js'
import { BoardLinkClient, createMemoryDuplexPair } from '../native-bridge/board-link/index.js'
import { SimBoard } from '../native-bridge/sim-board/index.js'

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const reference = process.argv.includes('--reference')
const calibrate = Number(argument('calibrate') ?? 100)
const config: Partial<BpttConfig> = reference
  ? { backend: 'auto' }
  : {
      backend: 'auto',
      epochs: Number(argument('epochs') ?? 1),
      ...(argument('hidden') ? {} : { batchSize: 32, learningRate: 2e-3 }),
      architecture: [{ type: 'dense', units: Number(argument('hidden') ?? 100) }, { type: 'lif', beta: 0.95 }, { type: 'dense', units: 10 }, { type: 'lif', beta: 0.95 }],
      data: { source: 'mnist', trainCount: Number(argument('train') ?? 2000), testCount: Number(argument('test') ?? 1000), splitSeed: 0 },
    }
const full = bpttConfig(config)
const arch = `784-${(full.architecture[0] as { units: number }).units}-10`

let t = performance.now()
const result = await train(config)
const trainS = (performance.now() - t) / 1000
const tfAccuracy = result.history.at(-1)?.testAccuracy ?? Number.NaN
const net = floatNetworkFromCheckpoint(result.checkpoint, `bench ${arch}`)
const { train: trainSet, test } = mnistSplit(full)
const samples = mnistSamples(test, { steps: full.steps, tickUs: 1000, seed: 1 })
const calibration = calibrate > 0 ? mnistSamples(trainSet, { steps: full.steps, tickUs: 1000, seed: 2, count: calibrate }) : undefined

t = performance.now()
const { blob, report } = compileNetwork(net, { calibration })
const compileS = (performance.now() - t) / 1000

const preview = await previewModel({ blob }, samples, { float: net })

// Host preview alone (no float run alongside), for its own throughput.
t = performance.now()
await previewModel({ blob }, samples.slice(0, 300))
const previewRate = 300 / ((performance.now() - t) / 1000)

const pair = createMemoryDuplexPair()
const board = new SimBoard({ flashTimeScale: 0, linkBaud: 0 })
board.attach(pair.device)
const client = new BoardLinkClient(pair.host)
// The link's and the board's timers are unref'd (they never hold a process open); hold it while deploying.
const keepAlive = setInterval(() => {}, 1000)
await client.deploy(blob, { permanent: true })
clearInterval(keepAlive)
const boardSamples = samples.slice(0, 100)
t = performance.now()
const onBoard = await evaluateOnBoard(client, { blob }, boardSamples)
const boardRate = boardSamples.length / ((performance.now() - t) / 1000)
const previewSame = await previewModel({ blob }, boardSamples)
client.close()
board.close()

const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(2)} %`)
console.log(`network            ${arch} LIF β ${(full.architecture[1] as { beta: number }).beta}, T ${full.steps}, trained ${full.epochs} epoch(s) on ${full.data.trainCount} digits in ${trainS.toFixed(0)} s`)
console.log(`tfjs test accuracy ${pct(tfAccuracy)} (its own encoding of the ${full.data.testCount} test digits)`)
console.log(`float (JS sim)     ${pct(preview.floatAccuracy)} on ${samples.length} held-out digits`)
console.log(`quantized (RP1)    ${pct(preview.accuracy)}  Δ ${((preview.accuracy! - preview.floatAccuracy!) * 100).toFixed(2)} pp; agreement ${pct(preview.agreement)}`)
console.log(`quantization       ${calibration ? `calibrated on ${calibration.length} training digits` : 'no calibration'}; S ${report.layers.map((l) => l.stateScale.toFixed(0)).join('/')}, w_shift ${report.layers.map((l) => l.wShift.join(',')).join('/')}, weights zeroed ${report.layers.map((l) => l.weightZeroed).join('/')}, saturated ${report.layers.map((l) => l.weightSaturated).join('/')}`)
console.log(`firing rate        quantized ${preview.firingRates.map((r) => r.spikesPerNeuronPerTick.toFixed(3)).join('/')}, float ${preview.floatFiringRates!.map((r) => r.spikesPerNeuronPerTick.toFixed(3)).join('/')} spikes/neuron/tick`)
console.log(`blob               ${report.blobBytes} bytes, ${report.synapseBytes} synapse bytes, ${report.nNeurons} neurons; compiled in ${compileS.toFixed(2)} s`)
console.log(`host preview       ${previewRate.toFixed(0)} digits/s (${(previewRate * full.steps).toFixed(0)} ticks/s)`)
console.log(`simulated board    ${boardRate.toFixed(1)} digits/s over an unpaced in-process link (stepped, MONITOR_ALL); accuracy ${pct(onBoard.accuracy)} vs preview ${pct(previewSame.accuracy)} on the same ${boardSamples.length}`)

import { SpikelabError } from '../../common/errors.js'
import type { BlobHeader, DeviceLimits, InputMap, Rp1Layer, Rp1Model, WeightMatrix } from '../../native-bridge/engine/index.js'
import {
  CapacityError,
  INPUT_SOURCE,
  RP1_LIMITS,
  Rp1Engine,
  checkHeaderCapacity,
  checkModelCapacity,
  decodeBlobHeader,
  encodeModelBlob,
  sha256,
  toHex,
  weightBytes,
  withComputedSelfTest,
} from '../../native-bridge/engine/index.js'
import type { FloatNetwork } from './float-network.js'
import { FloatSimulator } from './float-simulator.js'
import type { InputMapping } from './input-map.js'
import { buildInputMap, describeInputMap } from './input-map.js'
import { maxAbs } from './linear-map.js'
import { betaToLeakShift, chooseScale, quantizeBias, quantizeThreshold, quantizeWeights } from './quantize.js'
import type { InputSample } from './samples.js'
import type { MnistDataset } from './sources.js'
import { sampleCounts } from './samples.js'
import type { LifStage } from './stages.js'
import { lifStages } from './stages.js'

export interface CompileOptions {
  /** Sensor → input channels (default: TABLE, address i = input i). */
  readonly input?: InputMapping
  /** Samples whose float run calibrates each layer's membrane range (and feeds the self-test). */
  readonly calibration?: readonly InputSample[]
  /** Membrane range in thresholds when there is no calibration (default 4). */
  readonly headroom?: number
  /** Fraction of |w| kept unclipped per slot (default 1 = the largest weight); < 1 trades saturation for resolution. */
  readonly weightClipQuantile?: number
  /** Device limits to fit (default RP1; pass the board's CAPS). */
  readonly limits?: DeviceLimits
  /** Tick length (default: the network's dt). */
  readonly tickUs?: number
  /**
   * Make RP1's subtract reset exact (default true): RP1 subtracts θ before the next leak (β·θ in
   * effect), snnTorch after it (θ); a self-recurrent weight −(1 − β)·θ on each neuron adds the
   * difference in the tick after its spike. Skipped (with a warning) where the fan-in has no room.
   */
  readonly exactSubtractReset?: boolean
  /** Self-test input (default: the first calibration sample, else seeded random events). */
  readonly selfTest?: InputSample
  /** Float accuracy to record in METADATA, when known. */
  readonly floatAccuracy?: number
  /** The MNIST split the network was trained on, recorded so `evaluate` finds its held-out digits. */
  readonly dataset?: MnistDataset
  readonly createdUnix?: bigint
}

export interface LayerReport {
  readonly layer: number
  readonly neurons: number
  /** Per slot: 'input' or 'layer k' (k = this layer for recurrence). */
  readonly sources: string[]
  readonly formats: ('dense' | 'csr')[]
  readonly stateScale: number
  readonly wShift: number[]
  readonly weightMaxAbs: number[]
  readonly weightCount: number
  readonly weightSaturated: number
  readonly weightZeroed: number
  readonly biasSaturated: number
  readonly thresholdSaturated: number
  readonly synapseBytes: number
  readonly stateRange: number
  readonly calibratedMembrane: { min: number; max: number } | null
  readonly threshold: { float: number; int: number }
  readonly betaRequested: { min: number; max: number }
  readonly betaRealised: { min: number; max: number }
  readonly leakShifts: number[]
  readonly reset: 'subtract' | 'zero'
  /** A self-recurrent −(1 − β)·θ makes the subtract reset match the float model (see CompileOptions). */
  readonly resetCorrection: boolean
  readonly refractory: number
}

export interface CompileReport {
  readonly source: string
  readonly layers: LayerReport[]
  readonly nInputs: number
  readonly nOutputs: number
  readonly nNeurons: number
  readonly synapseBytes: number
  readonly blobBytes: number
  readonly tickUs: number
  readonly inputMap: string
  readonly labels: string[]
  readonly selfTest: { nTicks: number; nEvents: number; spikeCount: number }
  readonly calibrationSamples: number
  readonly sha256: string
  readonly warnings: string[]
}

export interface CompiledModel {
  readonly model: Rp1Model
  readonly blob: Uint8Array
  readonly report: CompileReport
}

/** The METADATA JSON a compiled blob carries (read back by `modelMetadata`). */
export interface ModelMetadata {
  readonly format: 'spikelab.rp1.model'
  readonly version: 1
  readonly source: string
  readonly labels: string[]
  readonly inputMap: string
  readonly tickUs: number
  readonly floatAccuracy: number | null
  readonly calibrationSamples: number
  readonly dataset: MnistDataset | null
  readonly layers: LayerReport[]
  readonly warnings: string[]
}

/**
 * Quantizes a float network onto the RP1 profile (board-link §14, §16) and encodes the blob, after
 * checking it against the device limits with the device's own error codes — so nothing that a
 * board would refuse ever leaves the host.
 */
export function compileNetwork(net: FloatNetwork, options: CompileOptions = {}): CompiledModel {
  const limits = options.limits ?? RP1_LIMITS
  const warnings = [...net.warnings]
  const stages = lifStages(net)
  const inputMap = buildInputMap(options.input, net.inputShape)
  const nInputs = stages[0].feed.cols
  const tickUs = options.tickUs ?? Math.round(net.dtSeconds * 1e6)
  if (!Number.isInteger(tickUs) || tickUs < 100 || tickUs > 1_000_000) {
    throw new SpikelabError('BAD_PARAM', `tick_us must be an integer from 100 to 1000000, got ${tickUs}`, { field: 'tickUs' })
  }
  const nOutputs = stages[stages.length - 1].size
  const labels = net.labels ? [...net.labels] : Array.from({ length: nOutputs }, (_, i) => String(i))
  if (labels.length !== nOutputs) throw new SpikelabError('BAD_PARAM', `${labels.length} labels for ${nOutputs} outputs`, { field: 'labels' })

  // Rung 0 on the sizes first, so an oversized model fails before any costly work.
  preCheck(stages, nInputs, inputMap, limits)

  const channelOf = mapperFor(inputMap, nInputs)
  const calibration = options.calibration ?? []
  const calRange = calibrate(net, stages, calibration, channelOf, nInputs, inputMap.countMax, tickUs)

  const headroom = options.headroom ?? 4
  const layerReports: LayerReport[] = []
  const layers: Rp1Layer[] = stages.map((stage, li) => {
    const resetCorrection = stage.lif.reset === 'subtract' && options.exactSubtractReset !== false && stage.feed.cols + 1 <= limits.maxFanin
    const { layer, report } = quantizeStage(stage, li, calRange[li] ?? null, headroom, options.weightClipQuantile ?? 1, resetCorrection)
    layerReports.push(report)
    if (report.weightSaturated > 0) warnings.push(`layer ${li}: ${report.weightSaturated} of ${report.weightCount} weights saturated at int8`)
    if (report.biasSaturated > 0) warnings.push(`layer ${li}: ${report.biasSaturated} biases saturated at i16`)
    if (report.thresholdSaturated > 0) warnings.push(`layer ${li}: ${report.thresholdSaturated} thresholds clamped to [1, 32767]`)
    if (Math.abs(report.betaRequested.min - report.betaRealised.min) > 1e-3 || Math.abs(report.betaRequested.max - report.betaRealised.max) > 1e-3) {
      warnings.push(`layer ${li}: β ${fmtRange(report.betaRequested)} is realised as ${fmtRange(report.betaRealised)} (RP1 leaks by v − (v >> d), β = 1 − 2^−d)`)
    }
    return layer
  })
  layerReports.forEach((r) => {
    if (r.reset === 'subtract' && !r.resetCorrection) {
      warnings.push(`layer ${r.layer}: subtract reset without correction: RP1 subtracts θ in the tick of the spike, before the next leak, the float model after (β·θ instead of θ per spike)`)
    }
  })

  const base: Rp1Model = {
    uuid: new Uint8Array(16),
    createdUnix: 0n,
    tickUs,
    nInputs,
    inputMap,
    outputMap: Array.from({ length: nOutputs }, (_, neuron) => ({ layer: stages.length - 1, neuron })),
    layers,
  }
  // A content-derived uuid: compiling the same network the same way names the same model.
  const uuid = sha256(encodeModelBlob(base)).slice(0, 16)
  const st = options.selfTest ?? calibration[0] ?? randomSelfTest(inputMap, nInputs, tickUs)
  const stEvents = selfTestEvents(st, tickUs, limits)
  const metadata: ModelMetadata = {
    format: 'spikelab.rp1.model',
    version: 1,
    source: net.source,
    labels,
    inputMap: describeInputMap(inputMap),
    tickUs,
    floatAccuracy: options.floatAccuracy ?? null,
    calibrationSamples: calibration.length,
    dataset: options.dataset ?? null,
    layers: layerReports,
    warnings,
  }
  const model = withComputedSelfTest(
    { ...base, uuid, createdUnix: options.createdUnix ?? BigInt(Math.floor(Date.now() / 1000)), metadata: JSON.stringify(metadata) },
    stEvents.nTicks,
    stEvents.tUs,
    stEvents.addr,
  )
  const blob = encodeModelBlob(model)
  checkModelCapacity(decodeBlobHeader(blob), model, limits)
  const report: CompileReport = {
    source: net.source,
    layers: layerReports,
    nInputs,
    nOutputs,
    nNeurons: layers.reduce((a, l) => a + l.nNeurons, 0),
    synapseBytes: layerReports.reduce((a, l) => a + l.synapseBytes, 0),
    blobBytes: blob.length,
    tickUs,
    inputMap: metadata.inputMap,
    labels,
    selfTest: { nTicks: stEvents.nTicks, nEvents: stEvents.tUs.length, spikeCount: model.selfTest!.expectedSpikeCount },
    calibrationSamples: calibration.length,
    sha256: toHex(sha256(blob)),
    warnings,
  }
  return { model, blob, report }
}

/** The METADATA of a compiled model, or null when it carries none of ours. */
export function modelMetadata(model: Rp1Model): ModelMetadata | null {
  if (!model.metadata) return null
  try {
    const m = JSON.parse(model.metadata) as ModelMetadata
    return m.format === 'spikelab.rp1.model' ? m : null
  } catch {
    return null
  }
}

function fmtRange(r: { min: number; max: number }): string {
  return r.min === r.max ? r.min.toFixed(4) : `${r.min.toFixed(4)}–${r.max.toFixed(4)}`
}

/** Header-level capacity (neurons, layers, I/O, synapse bytes as dense/CSR would store them). */
function preCheck(stages: LifStage[], nInputs: number, inputMap: InputMap, limits: DeviceLimits): void {
  const header: BlobHeader = {
    hdrVer: 1, hdrSize: 64, totalSize: 0, flags: 0, uuid: new Uint8Array(16), createdUnix: 0n, tickUs: 1000,
    nLayers: stages.length, nSections: 0, nNeurons: stages.reduce((a, s) => a + s.size, 0),
    synapseBytes: stages.reduce((a, s) => a + Math.min(s.feed.rows * s.feed.cols, 4 * (s.feed.rows + 1) + 3 * s.feed.colIdx.length) + (s.lif.recurrent ? s.size * s.size : 0), 0),
    nInputs, nOutputs: stages[stages.length - 1].size, targetProfile: 1, profileVer: 1, rsv: 0,
  }
  checkHeaderCapacity(header, limits)
  if (inputMap.kind === 'table' && inputMap.channels.length > limits.maxTableAddrs) {
    throw new CapacityError('CAPACITY_IO', `INPUT_MAP n_addr ${inputMap.channels.length} exceeds the device limit ${limits.maxTableAddrs}`, limits.maxTableAddrs, 'INPUT_MAP n_addr')
  }
}

function mapperFor(inputMap: InputMap, nInputs: number): (addr: number) => number {
  const probe = new Rp1Engine({ uuid: new Uint8Array(16), createdUnix: 0n, tickUs: 1000, nInputs, inputMap, outputMap: [], layers: [] })
  return (addr) => probe.channelOf(addr)
}

/** Float membrane range per layer over the calibration samples (null without samples). */
function calibrate(
  net: FloatNetwork,
  stages: LifStage[],
  samples: readonly InputSample[],
  channelOf: (addr: number) => number,
  nInputs: number,
  countMax: number,
  tickUs: number,
): ({ min: number; max: number } | null)[] {
  if (samples.length === 0) return stages.map(() => null)
  const sim = new FloatSimulator(net)
  const range = stages.map(() => ({ min: 0, max: 0 }))
  for (const s of samples) {
    const run = sim.run(sampleCounts(s, channelOf, nInputs, countMax, tickUs))
    run.membraneMax.forEach((v, i) => (range[i].max = Math.max(range[i].max, v)))
    run.membraneMin.forEach((v, i) => (range[i].min = Math.min(range[i].min, v)))
  }
  return range
}

function quantile(values: ArrayLike<number>, q: number): number {
  if (q >= 1) return maxAbs(values)
  const abs = Float64Array.from(values, Math.abs).sort()
  return abs[Math.min(abs.length - 1, Math.floor(q * abs.length))] ?? 0
}

function quantizeStage(
  stage: LifStage,
  li: number,
  cal: { min: number; max: number } | null,
  headroom: number,
  clipQuantile: number,
  resetCorrection: boolean,
): { layer: Rp1Layer; report: LayerReport } {
  const n = stage.size
  const { lif, feed } = stage
  const leak = Array.from(lif.beta, (b) => betaToLeakShift(b))
  // −(1 − β_RP1)·θ per neuron onto itself, from its previous tick's spike (zero where nothing leaks).
  const correction = resetCorrection ? Float64Array.from(leak, (d, i) => -(1 - d.realisedBeta) * lif.threshold[i]) : null
  const thetaMax = maxAbs(lif.threshold)
  // The membrane range: at least two thresholds (a residual above θ after a strong input), the
  // calibrated peak with 10 % margin, half the calibrated trough (deep inhibition may clip; it only
  // delays recovery), and the biases.
  const stateRange = Math.max(
    cal ? Math.max(2 * thetaMax, 1.1 * cal.max, 0.5 * -cal.min) : headroom * thetaMax,
    2 * maxAbs(feed.bias),
  )
  // Slot 0: feed-forward (rows = neurons, cols = source); slot 1: recurrence, transposed to rows = targets.
  const slots: { rowPtr: Uint32Array; colIdx: Uint32Array; values: Float64Array; cols: number; source: number }[] = [
    { rowPtr: feed.rowPtr, colIdx: feed.colIdx, values: feed.values, cols: feed.cols, source: li === 0 ? INPUT_SOURCE : li - 1 },
  ]
  if (lif.recurrent) {
    const rec = lif.recurrent
    const values = new Float64Array(n * n)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) values[i * n + j] = rec[j * n + i]
    if (correction) for (let i = 0; i < n; i++) values[i * n + i] += correction[i]
    slots.push({
      rowPtr: Uint32Array.from({ length: n + 1 }, (_, i) => i * n),
      colIdx: Uint32Array.from({ length: n * n }, (_, k) => k % n),
      values,
      cols: n,
      source: li,
    })
  } else if (correction && correction.some((c) => c !== 0)) {
    slots.push({
      rowPtr: Uint32Array.from({ length: n + 1 }, (_, i) => i),
      colIdx: Uint32Array.from({ length: n }, (_, i) => i),
      values: correction,
      cols: n,
      source: li,
    })
  }
  const { stateScale, shifts } = chooseScale(slots.map((s) => quantile(s.values, clipQuantile)), stateRange)
  let weightSaturated = 0
  let weightZeroed = 0
  let weightCount = 0
  const weights: WeightMatrix[] = slots.map((s, q) => {
    const { q: ints, saturated } = quantizeWeights(s.values, stateScale, shifts[q])
    weightSaturated += saturated
    weightCount += s.values.length
    for (let k = 0; k < ints.length; k++) if (ints[k] === 0 && s.values[k] !== 0) weightZeroed++
    return toMatrix(n, s.cols, s.rowPtr, s.colIdx, ints)
  })
  const threshold = new Int16Array(n)
  const bias = new Int16Array(n)
  const leakShift = new Uint8Array(n)
  let thresholdSaturated = 0
  let biasSaturated = 0
  let bMin = Infinity
  let bMax = -Infinity
  let rMin = Infinity
  let rMax = -Infinity
  for (let i = 0; i < n; i++) {
    const t = quantizeThreshold(lif.threshold[i], stateScale)
    threshold[i] = t.value
    if (t.saturated) thresholdSaturated++
    const b = quantizeBias(feed.bias[i], stateScale)
    bias[i] = b.value
    if (b.saturated) biasSaturated++
    const beta = lif.beta[i]
    const d = leak[i]
    leakShift[i] = d.leakShift
    bMin = Math.min(bMin, beta)
    bMax = Math.max(bMax, beta)
    rMin = Math.min(rMin, d.realisedBeta)
    rMax = Math.max(rMax, d.realisedBeta)
  }
  const layer: Rp1Layer = {
    nNeurons: n,
    sources: slots.map((s) => s.source),
    wShift: shifts,
    decayKind: leakShift.some((d) => d > 0) ? 1 : 0,
    resetKind: lif.reset === 'subtract' ? 1 : 0,
    weights,
    threshold,
    bias,
    leakShift,
    refractory: new Uint8Array(n),
  }
  const report: LayerReport = {
    layer: li,
    neurons: n,
    sources: slots.map((s) => (s.source === INPUT_SOURCE ? 'input' : `layer ${s.source}`)),
    formats: weights.map((w) => w.format),
    stateScale,
    wShift: shifts,
    weightMaxAbs: slots.map((s) => maxAbs(s.values)),
    weightCount,
    weightSaturated,
    weightZeroed,
    biasSaturated,
    thresholdSaturated,
    synapseBytes: weights.reduce((a, w) => a + weightBytes(w), 0),
    stateRange,
    calibratedMembrane: cal,
    threshold: { float: thetaMax, int: Math.max(...threshold) },
    betaRequested: { min: bMin, max: bMax },
    betaRealised: { min: rMin, max: rMax },
    leakShifts: [...new Set(leakShift)].sort((a, b) => a - b),
    reset: lif.reset,
    resetCorrection: slots.length > 1 && correction !== null,
    refractory: 0,
  }
  return { layer, report }
}

/** DENSE or CSR, whichever stores fewer synapse bytes (§16.2 accounting); zero weights are dropped from CSR. */
function toMatrix(rows: number, cols: number, rowPtr: Uint32Array, colIdx: Uint32Array, ints: Int8Array): WeightMatrix {
  let nnz = 0
  for (const v of ints) if (v !== 0) nnz++
  const csrBytes = 4 * (rows + 1) + 3 * nnz
  if (rows * cols <= csrBytes) {
    const values = new Int8Array(rows * cols)
    for (let r = 0; r < rows; r++) for (let k = rowPtr[r]; k < rowPtr[r + 1]; k++) values[r * cols + colIdx[k]] = ints[k]
    return { format: 'dense', rows, cols, values }
  }
  const rp = new Uint32Array(rows + 1)
  const ci = new Uint16Array(nnz)
  const vals = new Int8Array(nnz)
  let w = 0
  for (let r = 0; r < rows; r++) {
    for (let k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
      if (ints[k] === 0) continue
      ci[w] = colIdx[k]
      vals[w++] = ints[k]
    }
    rp[r + 1] = w
  }
  return { format: 'csr', rows, cols, rowPtr: rp, colIdx: ci, values: vals }
}

/** Self-test events of a sample, cut to the device's self-test limits. */
function selfTestEvents(s: InputSample, tickUs: number, limits: DeviceLimits): { nTicks: number; tUs: Uint32Array; addr: Uint16Array } {
  const nTicks = Math.max(1, Math.min(s.nTicks, limits.maxSelfTestTicks))
  const end = nTicks * tickUs
  const t: number[] = []
  const a: number[] = []
  for (let e = 0; e < s.tUs.length && t.length < limits.maxSelfTestEvents; e++) {
    if (s.tUs[e] >= end || s.addr[e] > 0xffff) continue
    t.push(s.tUs[e])
    a.push(s.addr[e])
  }
  return { nTicks, tUs: Uint32Array.from(t), addr: Uint16Array.from(a) }
}

/** 50 ticks of seeded pseudo-random events (10 % of the inputs per tick) over mapped addresses. */
function randomSelfTest(inputMap: InputMap, nInputs: number, tickUs: number): InputSample {
  let state = 0x2545f491
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 4294967296
  }
  const addrSpace = inputMap.kind === 'table' ? inputMap.channels.length : 1 << (inputMap.xBits + inputMap.yBits + 1)
  const perTick = Math.max(1, Math.round(nInputs / 10))
  const t: number[] = []
  const a: number[] = []
  for (let k = 0; k < 50; k++) {
    const addrs = Array.from({ length: perTick }, () => Math.floor(next() * addrSpace)).sort((x, y) => x - y)
    for (const addr of addrs) {
      t.push(k * tickUs)
      a.push(addr)
    }
  }
  return { nTicks: 50, tUs: Uint32Array.from(t), addr: Uint32Array.from(a) }
}

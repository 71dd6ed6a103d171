/**
 * Functional classification job (Schneidman, Bialek & Berry 2002; functional-classification.md):
 * words → identity information with bias estimates → AIB → K rules → optional sIB → few-spikes figure.
 */
import type { SpikeBatch } from '../../common/spike-batch.js'
import { SpikelabError } from '../../common/errors.js'
import { agglomerativeIB, type AibResult } from './aib.js'
import { bootstrapInformation, type BootstrapInterval } from './bootstrap.js'
import { cutAt, informationCurve, kByFloor, kByJump, kByKnee, type KChoice } from './dendrogram.js'
import { quadraticExtrapolation, singleSpikeInformation, splitHalfFloor, type ExtrapolatedInformation } from './estimators.js'
import { cellIdentifiability, gTable, identityInformation, partitionInformation, type IdentityInformation } from './information.js'
import { JobControl, type JobHooks } from './job-control.js'
import { responsesFromBatch, type RepeatedResponses } from './responses.js'
import { sequentialIB, type SequentialIBResult } from './sequential-ib.js'
import { nsbIdentityInformation } from './nsb.js'
import { buildWordHistograms } from './word-histograms.js'

export interface ClassifyOptions {
  /** Repeat duration T (s). */
  readonly duration: number
  /** Δτ (s), default 0.010. */
  readonly binSize?: number
  /** L, default 3. */
  readonly wordLength?: number
  /** Word stride in bins, default 1. */
  readonly stride?: number
  /** K to cut at; default K_jump (else K_knee). */
  readonly k?: number
  /** Run sIB at the chosen K. */
  readonly refine?: boolean
  /** Quadratic extrapolation (7 extra histogram builds); default true. */
  readonly extrapolate?: boolean
  /** The NSB estimate of I as well (§8.5; advanced, meant for long words L ≥ 6); default false. */
  readonly nsb?: boolean
  /** Split-half noise floor; default true. */
  readonly splitHalf?: boolean
  /** Floor multiple s for K_floor (default 3). */
  readonly floorFactor?: number
  /** Seed for the repeat permutation (QE) and sIB order. */
  readonly seed?: number
  readonly nCells?: number
  readonly nRepeats?: number
  /** Bootstrap resamples for a confidence interval of I_PT (§8.7); 0 or absent = none. */
  readonly bootstrap?: number
}

export interface SpikesToIdentify {
  /** I_1, bits per spike, from the binary responses of all repeats. */
  readonly bitsPerSpike: number
  /** I_1 from the even repeats only; the difference shows the upward bias. */
  readonly bitsPerSpikeHalf: number
  /** log2 N / I_1. */
  readonly spikes: number
  /** I(C;W|t) divided by the mean number of spikes per word. */
  readonly wordBitsPerSpike: number
}

export interface ClassificationResult {
  readonly nCells: number
  readonly nRepeats: number
  readonly nPositions: number
  readonly information: IdentityInformation & { readonly extrapolation?: ExtrapolatedInformation; readonly interval?: BootstrapInterval; readonly nsb?: number }
  /** Per-cell identifiability i_i (bits per word); Σ_i i_i / N = I(C; W | t). */
  readonly identifiability: Float64Array
  readonly aib: AibResult
  /** I(K) at index K (K = 1…N). */
  readonly curve: Float64Array
  readonly kJump: KChoice | null
  readonly kKnee: KChoice | null
  /** Split-half noise floor F (bits), with K_floor. */
  readonly floor?: { readonly value: number; readonly kFloor: number; readonly factor: number }
  readonly k: number
  readonly labels: Int32Array
  /** I(K) recomputed exactly at the chosen cut. */
  readonly infoAtK: number
  readonly refined?: SequentialIBResult
  readonly spikesToIdentify: SpikesToIdentify
  readonly warnings: readonly string[]
}

/**
 * PSTH of the binary responses b_{i,r}[k] per cell over the selected repeats. Using the binary
 * responses (not raw counts) reproduces the benchmark's reference I_1 (1.52 bits/spike, easy setting).
 */
function binaryPsth(resp: RepeatedResponses, keepRepeat: (r: number) => boolean): Float64Array[] {
  const out = Array.from({ length: resp.nCells }, () => new Float64Array(resp.nBins))
  for (let i = 0; i < resp.nCells; i++)
    for (let r = 0; r < resp.nRepeats; r++) {
      if (!keepRepeat(r)) continue
      for (const k of resp.occupied[i * resp.nRepeats + r]) out[i][k]++
    }
  return out
}

export async function classifyCells(batch: SpikeBatch, options: ClassifyOptions, hooks: JobHooks = {}): Promise<ClassificationResult> {
  const job = new JobControl(hooks)
  job.throwIfCancelled()
  const binSize = options.binSize ?? 0.01
  const words = { wordLength: options.wordLength ?? 3, stride: options.stride ?? 1 }
  const resp = responsesFromBatch(batch, { duration: options.duration, binSize, nCells: options.nCells, nRepeats: options.nRepeats })
  if (resp.nCells < 2) throw new SpikelabError('classify.cells', 'classification needs at least 2 cells', { field: 'neuron' })
  job.progress('histograms', 0.01)
  const hs = buildWordHistograms(resp, words)
  await job.checkpoint()
  const N = resp.nCells
  const R = resp.nRepeats
  const g = gTable(N * R)
  const info = identityInformation(hs, g)
  const warnings: string[] = []
  if (R < 4 * 2 ** words.wordLength) warnings.push(`only ${R} repeats for ${2 ** words.wordLength} possible words: estimates are biased (R < 4·2^L)`)
  job.progress('histograms', 0.05)

  let extrapolation: ExtrapolatedInformation | undefined
  if ((options.extrapolate ?? true) && R >= 4) {
    extrapolation = quadraticExtrapolation(resp, words, options.seed ?? 1, info.plugin)
    if (Math.abs(info.pt - extrapolation.extrapolated) > 0.1 * Math.abs(extrapolation.extrapolated))
      warnings.push('the PT-corrected information differs from quadratic extrapolation by more than 10 %')
    await job.checkpoint()
  }
  let nsb: number | undefined
  if (options.nsb) {
    nsb = nsbIdentityInformation(hs)
    if (words.wordLength < 6) warnings.push('NSB with words shorter than 6 bins is biased low when most words are silent (functional-classification.md §8.5)')
    await job.checkpoint()
  }
  let floorValue: number | undefined
  if ((options.splitHalf ?? true) && R >= 2) {
    floorValue = splitHalfFloor(resp, words)
    await job.checkpoint()
  }
  let interval: BootstrapInterval | undefined
  const resamples = options.bootstrap ?? 0
  const aibFrom = resamples > 0 ? 0.35 : 0.1
  if (resamples > 0) {
    interval = await bootstrapInformation(resp, words, { resamples, seed: options.seed ?? 1, estimate: info.pt }, {
      signal: hooks.signal,
      onProgress: (p) => job.progress('bootstrap', 0.1 + (aibFrom - 0.1) * p.fraction),
    })
  }
  job.progress('aib', aibFrom)
  const aib = await agglomerativeIB(hs, info.plugin, { job, progressRange: [aibFrom, 0.9] })
  const kJump = kByJump(aib)
  const kKnee = kByKnee(aib)
  const k = options.k ?? kJump?.k ?? kKnee?.k ?? 1
  const labels = cutAt(aib, k)
  const infoAtK = partitionInformation(hs, labels, g)
  let refined: SequentialIBResult | undefined
  if (options.refine) refined = await sequentialIB(hs, labels, { job, seed: options.seed ?? 1 })

  const all = singleSpikeInformation(binaryPsth(resp, () => true))
  const half = singleSpikeInformation(binaryPsth(resp, (r) => r % 2 === 0))
  let occupiedBins = 0
  for (const o of resp.occupied) occupiedBins += o.length
  // Mean spikes per word ≈ L × occupied-bin rate (binary words count occupied bins).
  const spikesPerWord = (words.wordLength * occupiedBins) / (N * R * resp.nBins)
  job.progress('done', 1, true)
  return {
    nCells: N,
    nRepeats: R,
    nPositions: hs.nPositions,
    information: { ...info, extrapolation, interval, nsb },
    identifiability: cellIdentifiability(hs),
    aib,
    curve: informationCurve(aib),
    kJump,
    kKnee,
    floor: floorValue === undefined ? undefined : { value: floorValue, kFloor: kByFloor(aib, floorValue, options.floorFactor ?? 3), factor: options.floorFactor ?? 3 },
    k,
    labels,
    infoAtK,
    refined,
    spikesToIdentify: { bitsPerSpike: all, bitsPerSpikeHalf: half, spikes: Math.log2(N) / all, wordBitsPerSpike: info.plugin / spikesPerWord },
    warnings,
  }
}

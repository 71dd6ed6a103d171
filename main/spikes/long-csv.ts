/**
 * Long-format spike CSV/TSV (spike-trains.md §5.7): one spike per row with unit, time and optional
 * trial and condition columns. Validation follows the spec's order; faults name the line and column.
 */
import { readFile } from 'node:fs/promises'
import { SpikelabError } from '../../common/errors.js'
import type { SpikeRecording, SpikeUnit, TrialInfo } from './recording.js'
import { sortBatch } from './recording.js'

export type TimeUnit = 's' | 'ms' | 'us' | 'samples'

export interface LongCsvOptions {
  /** Unit for a plain `time`/`t`/`spike_time` column (nothing is guessed). */
  readonly timeUnit?: TimeUnit
  /** Needed for samples. */
  readonly sampleRate?: number
  /** 'error' (default) rejects the file on the first invalid time; 'skip' drops such rows with a warning. */
  readonly invalidRows?: 'error' | 'skip'
  /** File name used in error locations. */
  readonly file?: string
}

const UNIT_NAMES = ['neuron', 'unit', 'unit_id', 'cell', 'cluster', 'cluster_id']
const TIME_SUFFIXED: Record<string, TimeUnit> = { time_s: 's', time_ms: 'ms', time_us: 'us', time_samples: 'samples' }
const TIME_PLAIN = ['time', 't', 'spike_time']
const TRIAL_NAMES = ['trial', 'repeat', 'trial_id']
const CONDITION_NAMES = ['condition', 'stimulus', 'stimulus_id', 'direction']
const SHOWN = 20

function sniffDelimiter(header: string): string {
  let best = ','
  let bestCount = 0
  for (const d of [',', '\t', ';']) {
    const c = header.split(d).length - 1
    if (c > bestCount) {
      best = d
      bestCount = c
    }
  }
  return best
}

function unitScale(unit: TimeUnit, sampleRate: number | undefined, file: string | undefined, field: string): number {
  switch (unit) {
    case 's':
      return 1
    case 'ms':
      return 1e-3
    case 'us':
      return 1e-6
    case 'samples':
      if (!(sampleRate && sampleRate > 0)) throw new SpikelabError('csv.sample-rate', 'times in samples need a sample rate', { file, field })
      return 1 / sampleRate
  }
}

const listRows = (rows: number[]): string => rows.slice(0, SHOWN).join(', ') + (rows.length > SHOWN ? ', …' : '')

/** Parses long-format text. Line numbers in errors are 1-based lines of the file (the header is usually line 1). */
export function parseLongCsv(text: string, options: LongCsvOptions = {}): SpikeRecording {
  const file = options.file
  const lines = text.split(/\r?\n/)
  let headerLine = -1
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim()
    if (l !== '' && !l.startsWith('#')) {
      headerLine = i
      break
    }
  }
  if (headerLine < 0) throw new SpikelabError('csv.empty', 'the file has no header row', { file, row: 1 })
  const delim = sniffDelimiter(lines[headerLine])
  const header = lines[headerLine].split(delim).map((h) => h.trim().toLowerCase())
  const find = (names: readonly string[]): number => header.findIndex((h) => names.includes(h))
  const unitCol = find(UNIT_NAMES)
  let timeCol = header.findIndex((h) => h in TIME_SUFFIXED)
  let timeUnit: TimeUnit | undefined = timeCol >= 0 ? TIME_SUFFIXED[header[timeCol]] : undefined
  if (timeCol < 0) {
    timeCol = find(TIME_PLAIN)
    timeUnit = options.timeUnit
    if (timeCol >= 0 && !timeUnit)
      throw new SpikelabError('csv.time-unit', `column '${header[timeCol]}' has no unit suffix: choose s, ms, us or samples`, { file, field: header[timeCol], row: headerLine + 1 })
  }
  if (unitCol < 0 || timeCol < 0) {
    const missing = unitCol < 0 ? `a unit column (${UNIT_NAMES.join(', ')})` : `a time column (${[...Object.keys(TIME_SUFFIXED), ...TIME_PLAIN].join(', ')})`
    throw new SpikelabError('csv.header', `the header needs ${missing}`, { file, row: headerLine + 1, field: unitCol < 0 ? 'unit' : 'time' })
  }
  const timeField = header[timeCol]
  const scale = unitScale(timeUnit!, options.sampleRate, file, timeField)
  const trialCol = find(TRIAL_NAMES)
  const condCol = find(CONDITION_NAMES)
  const warnings: string[] = []

  const unitIndex = new Map<string, number>()
  const badRows: number[] = []
  const rowsT: number[] = []
  const rowsU: number[] = []
  const rowsTrialId: string[] = []
  const rowsCond: (string | undefined)[] = []
  let integerOnly = true
  for (let i = headerLine + 1; i < lines.length; i++) {
    const raw = lines[i]
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    const cells = raw.split(delim)
    const lineNo = i + 1
    if (cells.length !== header.length)
      throw new SpikelabError('csv.columns', `expected ${header.length} fields, found ${cells.length}`, { file, row: lineNo })
    const unit = cells[unitCol].trim()
    if (unit === '') throw new SpikelabError('csv.unit', 'empty unit id', { file, row: lineNo, field: header[unitCol] })
    const tText = cells[timeCol].trim()
    const t = tText === '' ? NaN : Number(tText)
    if (!Number.isFinite(t)) {
      badRows.push(lineNo)
      continue
    }
    if (!Number.isInteger(t)) integerOnly = false
    let u = unitIndex.get(unit)
    if (u === undefined) {
      u = unitIndex.size
      unitIndex.set(unit, u)
    }
    if (trialCol >= 0) {
      const trialId = cells[trialCol].trim()
      if (trialId === '') throw new SpikelabError('csv.trial', 'empty trial id', { file, row: lineNo, field: header[trialCol] })
      rowsTrialId.push(trialId)
      rowsCond.push(condCol >= 0 ? cells[condCol].trim() : undefined)
    }
    rowsT.push(t * scale)
    rowsU.push(u)
  }
  const { rowsTr, trialInfo } = assignTrials(rowsU, rowsTrialId, rowsCond, trialCol >= 0)
  if (badRows.length > 0) {
    const msg = `${badRows.length} row(s) with a missing or non-finite time (lines ${listRows(badRows)})`
    if ((options.invalidRows ?? 'error') === 'error') throw new SpikelabError('csv.time', msg, { file, row: badRows[0], field: timeField })
    warnings.push(`${msg} were skipped`)
  }
  if (trialCol < 0 && rowsT.some((t) => t < 0)) warnings.push('negative times without a trial column: times are taken as absolute')

  // Sort within (unit, trial), count out-of-order rows, drop exact duplicates.
  let outOfOrder = 0
  for (let k = 1; k < rowsT.length; k++) if (rowsU[k] === rowsU[k - 1] && rowsTr[k] === rowsTr[k - 1] && rowsT[k] < rowsT[k - 1]) outOfOrder++
  if (outOfOrder > 0) warnings.push(`${outOfOrder} row(s) were out of time order within their unit and trial and have been sorted`)
  const sorted = sortBatch({ t: Float64Array.from(rowsT), neuron: Uint32Array.from(rowsU), trial: Int32Array.from(rowsTr) })
  const keep: number[] = []
  let duplicates = 0
  let near = 0
  for (let k = 0; k < sorted.t.length; k++) {
    const same = k > 0 && sorted.neuron[k] === sorted.neuron[k - 1] && sorted.trial![k] === sorted.trial![k - 1]
    if (same && sorted.t[k] === sorted.t[k - 1]) {
      duplicates++
      continue
    }
    if (same && sorted.t[k] - sorted.t[k - 1] < 1e-4) near++
    keep.push(k)
  }
  if (duplicates > 0) warnings.push(`${duplicates} exact duplicate spike(s) removed`)
  if (near > 0) warnings.push(`${near} spike(s) closer than 0.1 ms to the previous one: possible sorting artefact`)
  const batch = {
    t: Float64Array.from(keep, (k) => sorted.t[k]),
    neuron: Uint32Array.from(keep, (k) => sorted.neuron[k]),
    trial: trialCol >= 0 ? Int32Array.from(keep, (k) => sorted.trial![k]) : undefined,
  }
  const units: SpikeUnit[] = [...unitIndex.keys()].map((id) => ({ id }))
  sanityWarnings(batch.t, batch.neuron, batch.trial, units, timeUnit!, integerOnly, warnings)
  const trials: TrialInfo[] | undefined = trialCol >= 0 ? trialInfo.map((tr, index) => ({ index, id: tr.id, start: 0, condition: tr.condition })) : undefined
  if (trials) trialCountWarnings(batch.neuron, batch.trial!, units, trials, warnings)
  return { sourceFormat: 'csv', units, batch, timeBase: trialCol >= 0 ? 'trial-relative' : 'absolute', trials, warnings }
}

/**
 * Trial indices for the rows. Files may number trials per condition (the same unit has trial 1 under
 * "low" and under "high"): then (condition, trial) identifies a trial. Otherwise the trial id alone
 * does, and a condition that varies between units (e.g. a cell type) is not a trial property.
 */
function assignTrials(units: number[], ids: string[], conds: (string | undefined)[], hasTrials: boolean): { rowsTr: number[]; trialInfo: { id: string; condition?: string }[] } {
  if (!hasTrials) return { rowsTr: units.map(() => -1), trialInfo: [] }
  const seen = new Map<string, string | undefined>()
  let perCondition = false
  for (let k = 0; k < ids.length && !perCondition; k++) {
    const key = `${units[k]}\u0000${ids[k]}`
    if (!seen.has(key)) seen.set(key, conds[k])
    else if (seen.get(key) !== conds[k]) perCondition = true
  }
  const index = new Map<string, number>()
  const trialInfo: { id: string; condition?: string; mixed?: boolean }[] = []
  const rowsTr = ids.map((id, k) => {
    const key = perCondition ? `${conds[k]}\u0000${id}` : id
    let ti = index.get(key)
    if (ti === undefined) {
      ti = index.size
      index.set(key, ti)
      trialInfo.push({ id, condition: conds[k] })
    } else if (trialInfo[ti].condition !== conds[k]) trialInfo[ti].mixed = true
    return ti
  })
  return { rowsTr, trialInfo: trialInfo.map((t) => (t.mixed ? { id: t.id } : { id: t.id, condition: t.condition })) }
}

function sanityWarnings(t: Float64Array, neuron: Uint32Array, trial: Int32Array | undefined, units: SpikeUnit[], unit: TimeUnit, integerOnly: boolean, warnings: string[]): void {
  let maxT = 0
  for (const v of t) maxT = Math.max(maxT, Math.abs(v))
  const perUnit = units.map(() => [] as number[])
  for (let k = 1; k < t.length; k++) if (neuron[k] === neuron[k - 1] && (!trial || trial[k] === trial[k - 1])) perUnit[neuron[k]].push(t[k] - t[k - 1])
  if (unit === 's') {
    const all = perUnit.flat().sort((a, b) => a - b)
    const median = all.length > 0 ? all[Math.floor(all.length / 2)] : 0
    if (median > 10 || maxT > 1e5) warnings.push('times look too large for seconds (median ISI > 10 s or a time > 1e5): are they ms or samples?')
    if (integerOnly && t.length > 0) warnings.push('every time is an integer while seconds were chosen: are they sample indices?')
  }
  const counts = new Array<number>(units.length).fill(0)
  for (const n of neuron) counts[n]++
  units.forEach((u, i) => {
    if (counts[i] < 2) warnings.push(`unit ${u.id} has fewer than 2 spikes: interval statistics are undefined`)
    const isis = perUnit[i]
    const short = isis.filter((d) => d < 1e-3).length
    if (isis.length > 0 && short > 0.01 * isis.length) warnings.push(`unit ${u.id}: ${short} of ${isis.length} ISIs are below 1 ms (refractory violations or contamination?)`)
  })
}

function trialCountWarnings(neuron: Uint32Array, trial: Int32Array, units: SpikeUnit[], trials: TrialInfo[], warnings: string[]): void {
  const seen = units.map(() => new Set<number>())
  for (let k = 0; k < neuron.length; k++) seen[neuron[k]].add(trial[k])
  const counts = new Set(seen.map((s) => s.size))
  if (counts.size > 1) warnings.push('units have spikes in different numbers of trials (a unit with no spikes in a trial has no rows; the trial list is taken from all units)')
  const perCondition = new Map<string, number>()
  for (const tr of trials) perCondition.set(tr.condition ?? '', (perCondition.get(tr.condition ?? '') ?? 0) + 1)
  if (new Set(perCondition.values()).size > 1) warnings.push(`conditions have different trial counts (${[...perCondition].map(([c, n]) => `${c || '—'}: ${n}`).join(', ')})`)
}

export async function readLongCsv(path: string, options: LongCsvOptions = {}): Promise<SpikeRecording> {
  return parseLongCsv(await readFile(path, 'utf8'), { ...options, file: options.file ?? path })
}

/** Events file `trial,start[,stop][,condition]` (same time unit as the spikes) for cutting absolute times into repeats. */
export function parseTrialEvents(text: string, options: { timeUnit: TimeUnit; sampleRate?: number; file?: string }): TrialInfo[] {
  const file = options.file
  const lines = text.split(/\r?\n/)
  const hi = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'))
  if (hi < 0) throw new SpikelabError('csv.empty', 'the events file has no header row', { file, row: 1 })
  const delim = sniffDelimiter(lines[hi])
  const header = lines[hi].split(delim).map((h) => h.trim().toLowerCase())
  const col = (name: string): number => header.indexOf(name)
  const [trialC, startC, stopC, condC] = [col('trial'), col('start'), col('stop'), col('condition')]
  if (trialC < 0 || startC < 0) throw new SpikelabError('csv.header', "the events header needs 'trial' and 'start'", { file, row: hi + 1, field: trialC < 0 ? 'trial' : 'start' })
  const scale = unitScale(options.timeUnit, options.sampleRate, file, 'start')
  const out: TrialInfo[] = []
  for (let i = hi + 1; i < lines.length; i++) {
    const l = lines[i].trim()
    if (l === '' || l.startsWith('#')) continue
    const cells = lines[i].split(delim)
    if (cells.length !== header.length) throw new SpikelabError('csv.columns', `expected ${header.length} fields, found ${cells.length}`, { file, row: i + 1 })
    const num = (c: number, name: string): number => {
      const v = Number(cells[c].trim())
      if (cells[c].trim() === '' || !Number.isFinite(v)) throw new SpikelabError('csv.time', `'${cells[c]}' is not a finite number`, { file, row: i + 1, field: name })
      return v * scale
    }
    const start = num(startC, 'start')
    const stop = stopC >= 0 ? num(stopC, 'stop') : undefined
    if (stop !== undefined && !(stop > start)) throw new SpikelabError('csv.trial', 'stop must be after start', { file, row: i + 1, field: 'stop' })
    out.push({ index: out.length, id: cells[trialC].trim(), start, stop, condition: condC >= 0 ? cells[condC].trim() : undefined })
  }
  return out
}

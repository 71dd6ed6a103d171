/**
 * NWB 2.x units tables through h5wasm (spike-trains.md §5.1–5.2): spike_times + spike_times_index
 * of any integer width, ids as int32/int64, labels from custom string columns, trials from
 * /intervals/trials. The writer produces the same layout (used by the synthetic generator), so a
 * written file reads back identically.
 */
import { SpikelabError } from '../../common/errors.js'
import type { ElectrodeInfo, SpikeRecording, SpikeUnit, TrialInfo } from './recording.js'
import { alignToTrials, sortBatch } from './recording.js'

import { loadH5, type H5, type H5Dataset, type H5Group } from '../hdf5/h5wasm.js'

function toNumbers(value: unknown, file: string, field: string): number[] {
  if (value === null || value === undefined) throw new SpikelabError('nwb.dataset', 'dataset has no value', { file, field })
  const arr = ArrayBuffer.isView(value) || Array.isArray(value) ? Array.from(value as ArrayLike<number | bigint>) : [value as number | bigint]
  return arr.map((v, i) => {
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new SpikelabError('nwb.range', `value at index ${i} exceeds 2^53`, { file, field })
      return Number(v)
    }
    if (typeof v !== 'number') throw new SpikelabError('nwb.dtype', `non-numeric value at index ${i}`, { file, field })
    return v
  })
}

function attrString(obj: { attrs: Record<string, { value: unknown }> }, name: string): string | undefined {
  const v = obj.attrs[name]?.value
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined
}

function dataset(group: H5Group, name: string, file: string, required: true): H5Dataset
function dataset(group: H5Group, name: string, file: string, required: false): H5Dataset | null
function dataset(group: H5Group, name: string, file: string, required: boolean): H5Dataset | null {
  const d = group.get(name)
  if (d === null || !('shape' in (d as object)) || !('slice' in (d as object))) {
    if (required) throw new SpikelabError('nwb.missing', `dataset '${group.path}/${name}' is missing`, { file, field: `${group.path}/${name}` })
    return null
  }
  return d as H5Dataset
}

/** Groups whose neurodata_type is Units: /units first, then any under /processing (neurosift #216). */
function findUnitsGroups(root: H5Group): H5Group[] {
  const out: H5Group[] = []
  const visit = (g: H5Group, depth: number): void => {
    if (depth > 4) return
    for (const name of g.keys()) {
      const child = g.get(name)
      if (child && 'keys' in (child as object) && !('shape' in (child as object))) {
        const cg = child as H5Group
        if (attrString(cg, 'neurodata_type') === 'Units') out.push(cg)
        else visit(cg, depth + 1)
      }
    }
  }
  visit(root, 0)
  return out.sort((a, b) => (a.path === '/units' ? -1 : b.path === '/units' ? 1 : a.path.localeCompare(b.path)))
}

export interface NwbReadOptions {
  /** Path of the Units table when a file holds several (default: /units, else the first found). */
  readonly unitsPath?: string
}

/** Reads a units table (times absolute, s) with trials from /intervals/trials when present. */
export async function readNwbUnits(filePath: string, options: NwbReadOptions = {}): Promise<SpikeRecording> {
  const h5 = await loadH5()
  let f: InstanceType<H5['File']>
  try {
    f = new h5.File(filePath, 'r')
  } catch (cause) {
    throw new SpikelabError('nwb.open', 'cannot open as HDF5 (.nwb.zarr and LINDI JSON are not supported)', { file: filePath }, { cause })
  }
  try {
    return readUnitsFrom(f, filePath, options)
  } catch (e) {
    if (e instanceof SpikelabError) throw e
    throw new SpikelabError('nwb.read', `cannot read the units table: ${(e as Error).message}`, { file: filePath }, { cause: e })
  } finally {
    f.close()
  }
}

function readUnitsFrom(f: H5Group, filePath: string, options: NwbReadOptions): SpikeRecording {
  const groups = findUnitsGroups(f)
  const units = options.unitsPath ? (f.get(options.unitsPath) as H5Group | null) : groups[0]
  if (!units) throw new SpikelabError('nwb.units', 'no Units table found (neurodata_type = Units)', { file: filePath, field: options.unitsPath ?? '/units' })
  const upath = units.path
  const idx = toNumbers(dataset(units, 'spike_times_index', filePath, true).value, filePath, `${upath}/spike_times_index`)
  const st = dataset(units, 'spike_times', filePath, true)
  const nTimes = st.shape?.[0] ?? 0
  const idDs = dataset(units, 'id', filePath, false)
  const ids = idDs ? toNumbers(idDs.value, filePath, `${upath}/id`) : idx.map((_, k) => k)
  if (ids.length !== idx.length) throw new SpikelabError('nwb.shape', `id has ${ids.length} rows but spike_times_index has ${idx.length}`, { file: filePath, field: `${upath}/id` })
  const labelDs = dataset(units, 'label', filePath, false) ?? dataset(units, 'quality', filePath, false)
  const nameDs = dataset(units, 'unit_name', filePath, false)
  const names = nameDs ? (nameDs.value as unknown) : null
  const labels = labelDs ? (labelDs.value as unknown) : null
  const t: number[] = []
  const neuron: number[] = []
  const warnings: string[] = []
  let start = 0
  for (let k = 0; k < idx.length; k++) {
    const end = idx[k]
    if (!Number.isInteger(end) || end < start || end > nTimes)
      throw new SpikelabError('nwb.index', `spike_times_index[${k}] = ${end} is not a valid end offset (previous ${start}, ${nTimes} spike times)`, { file: filePath, field: `${upath}/spike_times_index`, row: k + 1 })
    if (end > start) {
      // One hyperslab per unit: never load .value of a huge dataset.
      const times = toNumbers(st.slice([[start, end]]), filePath, `${upath}/spike_times`)
      for (let q = 0; q < times.length; q++) {
        if (q > 0 && times[q] <= times[q - 1] && st.attrs.resolution === undefined) {
          warnings.push(`unit ${ids[k]}: spike times are not strictly increasing (nwbinspector: critical)`)
          break
        }
      }
      for (const v of times) {
        t.push(v)
        neuron.push(k)
      }
    }
    start = end
  }
  if (t.length > 0 && t.every(Number.isInteger)) warnings.push('every spike time is an integer: they may be sample indices, not seconds')
  const electrodes = readUnitElectrodes(f, units, filePath, idx.length)
  const unitList: SpikeUnit[] = ids.map((id, k) => {
    const own = electrodes?.[k]
    return {
      id: Array.isArray(names) && typeof names[k] === 'string' ? (names[k] as string) : String(id),
      label: Array.isArray(labels) && typeof labels[k] === 'string' ? (labels[k] as string) : undefined,
      ...(own && own.length > 0 ? { electrodes: own, channel: own[0].id } : {}),
    }
  })
  const trials = readTrials(f, filePath)
  const batch = sortBatch({ t: Float64Array.from(t), neuron: Uint32Array.from(neuron) })
  return { sourceFormat: 'nwb', units: unitList, batch, timeBase: 'absolute', trials, warnings }
}

const ELECTRODES_PATH = 'general/extracellular_ephys/electrodes'

function stringColumn(g: H5Group, name: string, file: string, rows: number): (string | undefined)[] | null {
  const d = dataset(g, name, file, false)
  if (!d) return null
  const v = d.value as unknown
  const arr = Array.isArray(v) ? v : typeof v === 'string' ? [v] : null
  if (!arr) return null
  if (arr.length !== rows) throw new SpikelabError('nwb.shape', `column '${g.path}/${name}' has ${arr.length} rows, the table has ${rows}`, { file, field: `${g.path}/${name}` })
  return arr.map((x) => (typeof x === 'string' ? x : undefined))
}

function numberColumn(g: H5Group, name: string, file: string, rows: number): number[] | null {
  const d = dataset(g, name, file, false)
  if (!d) return null
  const v = toNumbers(d.value, file, `${g.path}/${name}`)
  if (v.length !== rows) throw new SpikelabError('nwb.shape', `column '${g.path}/${name}' has ${v.length} rows, the table has ${rows}`, { file, field: `${g.path}/${name}` })
  return v
}

/**
 * The electrodes each unit refers to (spike-trains.md §5.1): units/electrodes is a DynamicTableRegion
 * of row indices into /general/extracellular_ephys/electrodes, ragged by units/electrodes_index.
 * Returns null when the units table has no electrodes column.
 */
function readUnitElectrodes(f: H5Group, units: H5Group, file: string, nUnits: number): ElectrodeInfo[][] | null {
  const regionDs = dataset(units, 'electrodes', file, false)
  if (!regionDs) return null
  const upath = units.path
  const region = toNumbers(regionDs.value, file, `${upath}/electrodes`)
  const indexDs = dataset(units, 'electrodes_index', file, false)
  // Without an index the region has one row per unit.
  const index = indexDs ? toNumbers(indexDs.value, file, `${upath}/electrodes_index`) : region.map((_, k) => k + 1)
  if (index.length !== nUnits) throw new SpikelabError('nwb.shape', `electrodes_index has ${index.length} rows but the units table has ${nUnits}`, { file, field: `${upath}/electrodes_index` })
  const table = f.get(ELECTRODES_PATH) as H5Group | null
  if (!table || !('keys' in (table as object))) throw new SpikelabError('nwb.missing', `the units refer to electrodes, but '/${ELECTRODES_PATH}' is missing`, { file, field: `/${ELECTRODES_PATH}` })
  const idDs = dataset(table, 'id', file, false)
  const tableIds = idDs ? toNumbers(idDs.value, file, `/${ELECTRODES_PATH}/id`) : null
  const rows = tableIds?.length ?? (dataset(table, 'location', file, true).shape?.[0] ?? 0)
  const location = stringColumn(table, 'location', file, rows)
  const groupName = stringColumn(table, 'group_name', file, rows)
  const [x, y, z] = ['x', 'y', 'z'].map((c) => numberColumn(table, c, file, rows))
  const info = (row: number): ElectrodeInfo => ({
    row,
    id: tableIds ? tableIds[row] : row,
    ...(location?.[row] !== undefined ? { location: location[row] } : {}),
    ...(groupName?.[row] !== undefined ? { group: groupName[row] } : {}),
    ...(x && Number.isFinite(x[row]) ? { x: x[row] } : {}),
    ...(y && Number.isFinite(y[row]) ? { y: y[row] } : {}),
    ...(z && Number.isFinite(z[row]) ? { z: z[row] } : {}),
  })
  const out: ElectrodeInfo[][] = []
  let start = 0
  for (let k = 0; k < nUnits; k++) {
    const end = index[k]
    if (!Number.isInteger(end) || end < start || end > region.length)
      throw new SpikelabError('nwb.index', `electrodes_index[${k}] = ${end} is not a valid end offset (previous ${start}, ${region.length} region rows)`, { file, field: `${upath}/electrodes_index`, row: k + 1 })
    const own: ElectrodeInfo[] = []
    for (let q = start; q < end; q++) {
      const row = region[q]
      if (!Number.isInteger(row) || row < 0 || row >= rows)
        throw new SpikelabError('nwb.index', `units/electrodes[${q}] = ${row} is not a row of the electrodes table (${rows} rows)`, { file, field: `${upath}/electrodes`, row: q + 1 })
      own.push(info(row))
    }
    out.push(own)
    start = end
  }
  return out
}

function readTrials(f: H5Group, file: string): TrialInfo[] | undefined {
  const g = f.get('intervals/trials') as H5Group | null
  if (!g) return undefined
  const start = toNumbers(dataset(g, 'start_time', file, true).value, file, '/intervals/trials/start_time')
  const stop = toNumbers(dataset(g, 'stop_time', file, true).value, file, '/intervals/trials/stop_time')
  if (stop.length !== start.length) throw new SpikelabError('nwb.shape', 'start_time and stop_time differ in length', { file, field: '/intervals/trials/stop_time' })
  const condDs = dataset(g, 'condition', file, false) ?? dataset(g, 'stimulus', file, false)
  const cond = condDs ? (condDs.value as unknown) : null
  const idDs = dataset(g, 'id', file, false)
  const ids = idDs ? toNumbers(idDs.value, file, '/intervals/trials/id') : start.map((_, k) => k)
  return start.map((s, k) => {
    if (!(stop[k] > s)) throw new SpikelabError('nwb.trials', `trial ${k} stops before it starts`, { file, field: '/intervals/trials/stop_time', row: k + 1 })
    return { index: k, id: String(ids[k]), start: s, stop: stop[k], condition: Array.isArray(cond) && typeof cond[k] === 'string' ? (cond[k] as string) : undefined }
  })
}

/** Reads a units table and cuts it into trials (times relative to each trial's start). */
export async function readNwbAligned(filePath: string, options: NwbReadOptions = {}): Promise<SpikeRecording> {
  const rec = await readNwbUnits(filePath, options)
  if (!rec.trials) throw new SpikelabError('nwb.trials', 'the file has no /intervals/trials table to align to', { file: filePath, field: '/intervals/trials' })
  return { ...rec, batch: alignToTrials(rec.batch, rec.trials), timeBase: 'trial-relative' }
}

export interface NwbWriteInput {
  readonly units: readonly SpikeUnit[]
  /** Absolute times (s). */
  readonly batch: { readonly t: Float64Array; readonly neuron: Uint32Array }
  readonly trials?: readonly TrialInfo[]
  readonly description?: string
  readonly sessionStartTime?: string
}

function smallestUnsigned(max: number): string {
  return max < 2 ** 8 ? '<B' : max < 2 ** 16 ? '<H' : max < 2 ** 32 ? '<I' : '<Q'
}

function setTableAttrs(g: H5Group, type: string, description: string, colnames: string[]): void {
  g.create_attribute('neurodata_type', type)
  g.create_attribute('namespace', 'core')
  g.create_attribute('description', description)
  g.create_attribute('colnames', colnames)
}

/** Writes an NWB 2.x file with a Units table (and trials). Unit ids are written as int64 when numeric. */
export async function writeNwbUnits(filePath: string, input: NwbWriteInput): Promise<void> {
  const h5 = await loadH5()
  const f = new h5.File(filePath, 'w')
  try {
    f.create_attribute('nwb_version', '2.7.0')
    f.create_attribute('neurodata_type', 'NWBFile')
    f.create_attribute('namespace', 'core')
    f.create_dataset({ name: 'session_description', data: input.description ?? 'spikelab export' })
    f.create_dataset({ name: 'session_start_time', data: input.sessionStartTime ?? '1970-01-01T00:00:00+00:00' })
    f.create_dataset({ name: 'timestamps_reference_time', data: input.sessionStartTime ?? '1970-01-01T00:00:00+00:00' })
    const nUnits = input.units.length
    const perUnit: number[][] = input.units.map(() => [])
    for (let k = 0; k < input.batch.t.length; k++) {
      const u = input.batch.neuron[k]
      if (u >= nUnits) throw new SpikelabError('nwb.write', `spike ${k} refers to unit ${u}, but there are ${nUnits} units`, { file: filePath, row: k + 1 })
      perUnit[u].push(input.batch.t[k])
    }
    const times = new Float64Array(input.batch.t.length)
    const index: number[] = []
    let o = 0
    for (const list of perUnit) {
      list.sort((a, b) => a - b)
      times.set(list, o)
      o += list.length
      index.push(o)
    }
    const units = f.create_group('units')
    const hasLabels = input.units.some((u) => u.label !== undefined)
    const numericIds = input.units.every((u) => /^-?\d+$/.test(u.id))
    const colnames = ['spike_times', ...(hasLabels ? ['label'] : []), ...(numericIds ? [] : ['unit_name'])]
    setTableAttrs(units, 'Units', 'units', colnames)
    if (numericIds) units.create_dataset({ name: 'id', data: BigInt64Array.from(input.units, (u) => BigInt(u.id)) })
    else units.create_dataset({ name: 'id', data: BigInt64Array.from(input.units, (_, k) => BigInt(k)) })
    const st = units.create_dataset({ name: 'spike_times', data: times })
    st.create_attribute('neurodata_type', 'VectorData')
    const maxIdx = index.length ? index[index.length - 1] : 0
    const dtype = smallestUnsigned(maxIdx)
    const idxData = dtype === '<B' ? Uint8Array.from(index) : dtype === '<H' ? Uint16Array.from(index) : dtype === '<I' ? Uint32Array.from(index) : BigUint64Array.from(index, BigInt)
    const sti = units.create_dataset({ name: 'spike_times_index', data: idxData })
    sti.create_attribute('neurodata_type', 'VectorIndex')
    sti.create_attribute('target', st.create_reference())
    if (hasLabels) units.create_dataset({ name: 'label', data: input.units.map((u) => u.label ?? '') })
    // Non-numeric ids are kept in a string column so they survive the round trip.
    if (!numericIds) units.create_dataset({ name: 'unit_name', data: input.units.map((u) => u.id) })
    if (input.trials && input.trials.length > 0) {
      const intervals = f.create_group('intervals')
      const trials = intervals.create_group('trials')
      const hasCond = input.trials.some((t) => t.condition !== undefined)
      setTableAttrs(trials, 'TimeIntervals', 'trials', hasCond ? ['start_time', 'stop_time', 'condition'] : ['start_time', 'stop_time'])
      const numericTrialIds = input.trials.every((t) => /^-?\d+$/.test(t.id))
      trials.create_dataset({ name: 'id', data: BigInt64Array.from(input.trials, (t, k) => BigInt(numericTrialIds ? t.id : k)) })
      trials.create_dataset({ name: 'start_time', data: Float64Array.from(input.trials, (t) => t.start) })
      trials.create_dataset({
        name: 'stop_time',
        data: Float64Array.from(input.trials, (t) => {
          if (t.stop === undefined) throw new SpikelabError('nwb.write', `trial ${t.id} has no stop time`, { file: filePath, row: t.index + 1 })
          return t.stop
        }),
      })
      if (hasCond) trials.create_dataset({ name: 'condition', data: input.trials.map((t) => t.condition ?? '') })
    }
  } finally {
    f.close()
  }
}

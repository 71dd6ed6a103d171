/**
 * Kilosort / Phy output folder (spike-trains.md §5.3): params.py is parsed (never executed),
 * spike_times.npy (samples) with spike_clusters.npy (or spike_templates.npy), and the
 * cluster_<field>.tsv label files. cluster_info.tsv is a GUI snapshot and is not read.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { SpikelabError } from '../../common/errors.js'
import { npyFirstColumn, npyVector, parseNpy } from './npy.js'
import type { SpikeRecording, SpikeUnit } from './recording.js'

export type PyLiteral = string | number | boolean | null | PyLiteral[]

/** Parses `key = literal` lines: strings (incl. r'…'), numbers, True/False/None and lists of them. */
export function parsePhyParams(text: string, file?: string): Record<string, PyLiteral> {
  const out: Record<string, PyLiteral> = {}
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = stripComment(raw).trim()
    if (line === '') return
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(line)
    if (!m) throw new SpikelabError('phy.params', `cannot parse '${raw.trim()}' (expected key = literal)`, { file, row: i + 1 })
    const [value, rest] = parseLiteral(m[2].trim(), file, i + 1, m[1])
    if (rest.trim() !== '') throw new SpikelabError('phy.params', `unexpected text after the value: '${rest.trim()}'`, { file, row: i + 1, field: m[1] })
    out[m[1]] = value
  })
  return out
}

function stripComment(line: string): string {
  let quote = ''
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = ''
    } else if (c === "'" || c === '"') quote = c
    else if (c === '#') return line.slice(0, i)
  }
  return line
}

function parseLiteral(s: string, file: string | undefined, row: number, field: string): [PyLiteral, string] {
  const fail = (): never => {
    throw new SpikelabError('phy.params', `unsupported value '${s}' (only strings, numbers, True/False/None and lists are accepted)`, { file, row, field })
  }
  const str = /^([rRbBuU]{0,2})(['"])/.exec(s)
  if (str) {
    const raw = /r/i.test(str[1])
    const q = str[2]
    let i = str[0].length
    let v = ''
    for (; i < s.length && s[i] !== q; i++) {
      if (s[i] === '\\' && !raw && i + 1 < s.length) {
        const n = s[++i]
        v += n === 'n' ? '\n' : n === 't' ? '\t' : n
      } else v += s[i]
    }
    if (i >= s.length) fail()
    return [v, s.slice(i + 1)]
  }
  if (s.startsWith('[') || s.startsWith('(')) {
    const close = s[0] === '[' ? ']' : ')'
    const items: PyLiteral[] = []
    let rest = s.slice(1).trim()
    while (!rest.startsWith(close)) {
      if (rest === '') fail()
      const [v, r] = parseLiteral(rest, file, row, field)
      items.push(v)
      rest = r.trim()
      if (rest.startsWith(',')) rest = rest.slice(1).trim()
      else if (!rest.startsWith(close)) fail()
    }
    return [items, rest.slice(1)]
  }
  const word = /^[^,\])]+/.exec(s)
  if (!word) return fail()
  const w = word[0].trim()
  const rest = s.slice(word[0].length)
  if (w === 'True') return [true, rest]
  if (w === 'False') return [false, rest]
  if (w === 'None') return [null, rest]
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(w)) return [Number(w), rest]
  return fail()
}

/** Reads a `cluster_<field>.tsv` (or .csv): header `cluster_id<TAB><field>`, then one row per cluster. */
export function parseClusterTable(text: string, file?: string): { field: string; values: Map<number, string> } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '')
  if (lines.length === 0) throw new SpikelabError('phy.tsv', 'empty cluster table', { file, row: 1 })
  const delim = lines[0].includes('\t') ? '\t' : ','
  const header = lines[0].split(delim).map((h) => h.trim())
  if (header.length < 2 || header[0] !== 'cluster_id') throw new SpikelabError('phy.tsv', `header must be 'cluster_id<TAB><field>', found '${lines[0]}'`, { file, row: 1 })
  const values = new Map<number, string>()
  lines.slice(1).forEach((l, i) => {
    const cells = l.split(delim)
    const id = Number(cells[0])
    if (cells.length < 2 || !Number.isInteger(id)) throw new SpikelabError('phy.tsv', `bad row '${l}'`, { file, row: i + 2, field: 'cluster_id' })
    values.set(id, cells[1].trim())
  })
  return { field: header[1], values }
}

export interface PhyRecording extends SpikeRecording {
  readonly params: Record<string, PyLiteral>
  readonly sampleRate: number
  /** cluster_<field>.tsv tables by field name. */
  readonly clusterTables: Record<string, Map<number, string>>
}

/** Loads a Phy/Kilosort folder. Units are the cluster ids present, ascending; labels from cluster_group (else KSLabel). */
export async function readPhyFolder(dir: string): Promise<PhyRecording> {
  const f = (name: string): string => path.join(dir, name)
  const readOrNull = async (name: string): Promise<Buffer | null> => {
    try {
      return await readFile(f(name))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw e
    }
  }
  const paramsText = await readOrNull('params.py')
  if (!paramsText) throw new SpikelabError('phy.missing', 'params.py is missing', { file: f('params.py') })
  const params = parsePhyParams(paramsText.toString('utf8'), f('params.py'))
  const sampleRate = params.sample_rate
  if (typeof sampleRate !== 'number' || !(sampleRate > 0)) throw new SpikelabError('phy.params', 'sample_rate must be a positive number', { file: f('params.py'), field: 'sample_rate' })
  const timesBytes = await readOrNull('spike_times.npy')
  if (!timesBytes) throw new SpikelabError('phy.missing', 'spike_times.npy is missing', { file: f('spike_times.npy') })
  const samples = npyVector(parseNpy(timesBytes, f('spike_times.npy')), f('spike_times.npy'))
  const warnings: string[] = []
  let clusterFile = 'spike_clusters.npy'
  let clusterBytes = await readOrNull(clusterFile)
  if (!clusterBytes) {
    clusterFile = 'spike_templates.npy'
    clusterBytes = await readOrNull(clusterFile)
    if (!clusterBytes) throw new SpikelabError('phy.missing', 'neither spike_clusters.npy nor spike_templates.npy is present', { file: f('spike_clusters.npy') })
    warnings.push('spike_clusters.npy is missing: using the uncurated spike_templates.npy')
  }
  const clusters = npyFirstColumn(parseNpy(clusterBytes, f(clusterFile)), f(clusterFile))
  if (clusters.length !== samples.length)
    throw new SpikelabError('phy.length', `${clusterFile} has ${clusters.length} entries but spike_times.npy has ${samples.length}`, { file: f(clusterFile), field: 'shape' })
  for (let k = 1; k < samples.length; k++)
    if (samples[k] < samples[k - 1]) {
      warnings.push(`spike_times.npy decreases at index ${k}: times are sorted per unit`)
      break
    }
  const clusterTables: Record<string, Map<number, string>> = {}
  for (const name of await readdir(dir)) {
    const m = /^cluster_(.+)\.(tsv|csv)$/.exec(name)
    if (!m || m[1] === 'info') continue
    const table = parseClusterTable((await readFile(f(name))).toString('utf8'), f(name))
    clusterTables[table.field] = table.values
  }
  const ids = [...new Set(clusters)].sort((a, b) => a - b)
  const indexOf = new Map(ids.map((id, i) => [id, i]))
  const labels = clusterTables.group ?? clusterTables.KSLabel
  const units: SpikeUnit[] = ids.map((id) => ({ id: String(id), label: labels?.get(id) }))
  const order = Array.from({ length: samples.length }, (_, k) => k).sort((a, b) => indexOf.get(clusters[a])! - indexOf.get(clusters[b])! || samples[a] - samples[b])
  const batch = {
    t: Float64Array.from(order, (k) => samples[k] / sampleRate),
    neuron: Uint32Array.from(order, (k) => indexOf.get(clusters[k])!),
  }
  return { sourceFormat: 'phy', units, batch, timeBase: 'absolute', warnings, params, sampleRate, clusterTables }
}

/**
 * `.nir` files (HDF5) ⇄ NirGraph, with h5wasm (nir.md §4, §7). Structure only: which node types and
 * parameters make sense is checked by `nir-check.ts`. Reading accepts float32/float64 and
 * int32/int64, compressed or not; writing stores float32 and int64 (gzip-compressed arrays) to a
 * temporary name and renames it, so a failed export leaves nothing half-written.
 */
import { constants } from 'node:fs'
import { access, open, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { SpikelabError } from '../../common/errors.js'
import { isDataset, isGroup, loadH5, type H5Dataset, type H5Group } from '../hdf5/h5wasm.js'
import type { NirArray, NirGraph, NirMetadata, NirMetaValue, NirNode } from './nir-graph.js'

/** The NIR release whose layout the writer follows. */
export const NIR_VERSION = '1.0.7'

export interface NirFileContents {
  readonly graph: NirGraph
  /** `/version`, informative only; null when absent. */
  readonly version: string | null
}

export async function readNirGraphFile(file: string): Promise<NirFileContents> {
  if (!(await hasHdf5Signature(file))) throw new SpikelabError('nir.open', 'not an HDF5 file (no HDF5 signature), so not a NIR file', { file })
  const h5 = await loadH5()
  let f: InstanceType<H5['File']> | null = null
  try {
    try {
      f = new h5.File(file, 'r')
    } catch (err) {
      throw new SpikelabError('nir.open', `not a readable HDF5 file: ${(err as Error).message}`, { file }, { cause: err })
    }
    const versionDs = f.get('version')
    const version = isDataset(versionDs) && typeof versionDs.value === 'string' ? versionDs.value : null
    const root = f.get('node')
    if (!isGroup(root)) throw new SpikelabError('nir.missing', "group '/node' is missing: not a NIR graph file", { file, field: '/node' })
    const type = readType(root, file)
    if (type !== 'NIRGraph') throw new SpikelabError('nir.type', `'/node/type' is '${type}', expected 'NIRGraph'`, { file, field: '/node/type' })
    return { graph: readGraph(root, file), version }
  } finally {
    f?.close()
  }
}

type H5 = Awaited<ReturnType<typeof loadH5>>

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])

/** The HDF5 superblock signature sits at byte 0, 512, 1024, 2048, … (HDF5 file format spec, §II.A). */
async function hasHdf5Signature(file: string): Promise<boolean> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch (err) {
    throw new SpikelabError('nir.open', `cannot open: ${(err as Error).message}`, { file }, { cause: err })
  }
  try {
    const size = (await handle.stat()).size
    const buf = Buffer.alloc(8)
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      await handle.read(buf, 0, 8, offset)
      if (buf.equals(HDF5_SIGNATURE)) return true
    }
    return false
  } catch (err) {
    throw new SpikelabError('nir.open', `cannot read: ${(err as Error).message}`, { file }, { cause: err })
  } finally {
    await handle.close()
  }
}

function readType(group: H5Group, file: string): string {
  const ds = group.get('type')
  const field = `${group.path}/type`
  if (!isDataset(ds)) throw new SpikelabError('nir.missing', `dataset '${field}' is missing`, { file, field })
  const v = ds.value
  const s = typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : null
  if (s === null) throw new SpikelabError('nir.dtype', `dataset '${field}' is not a string`, { file, field })
  return s
}

function readGraph(group: H5Group, file: string): NirGraph {
  const nodesGroup = group.get('nodes')
  if (!isGroup(nodesGroup)) throw new SpikelabError('nir.missing', `group '${group.path}/nodes' is missing`, { file, field: `${group.path}/nodes` })
  const nodes: Record<string, NirNode> = {}
  for (const name of nodesGroup.keys()) {
    const g = nodesGroup.get(name)
    if (!isGroup(g)) throw new SpikelabError('nir.node', `'${nodesGroup.path}/${name}' is not a node group`, { file, field: `${nodesGroup.path}/${name}` })
    nodes[name] = readNode(g, file)
  }
  return { nodes, edges: readEdges(group, file), metadata: readMetadata(group, file) }
}

function readNode(group: H5Group, file: string): NirNode {
  const type = readType(group, file)
  if (type === 'NIRGraph') return { type, params: {}, metadata: readMetadata(group, file), graph: readGraph(group, file), path: group.path }
  const params: Record<string, NirArray> = {}
  for (const key of group.keys()) {
    if (key === 'type' || key === 'metadata') continue
    const ds = group.get(key)
    if (!isDataset(ds)) throw new SpikelabError('nir.node', `'${group.path}/${key}' is a group where a parameter dataset was expected`, { file, field: `${group.path}/${key}` })
    params[key] = readArray(ds, file)
  }
  return { type, params, metadata: readMetadata(group, file), path: group.path }
}

function readEdges(group: H5Group, file: string): [string, string][] {
  const field = `${group.path}/edges`
  const ds = group.get('edges')
  if (!isDataset(ds)) throw new SpikelabError('nir.missing', `dataset '${field}' is missing`, { file, field })
  const shape = ds.shape ?? []
  const value = ds.value
  const flat = Array.isArray(value) ? value : typeof value === 'string' ? [value] : null
  if (flat === null || !flat.every((s) => typeof s === 'string')) throw new SpikelabError('nir.dtype', `dataset '${field}' is not a string array`, { file, field })
  if (flat.length === 0) return []
  if (shape.length !== 2 || shape[1] !== 2) throw new SpikelabError('nir.shape', `dataset '${field}' has shape [${shape.join(', ')}], expected [E, 2]`, { file, field })
  const pairs: [string, string][] = []
  for (let k = 0; k < flat.length; k += 2) pairs.push([flat[k] as string, flat[k + 1] as string])
  return pairs
}

function readArray(ds: H5Dataset, file: string): NirArray {
  const shape = ds.shape ?? []
  const meta = ds.metadata
  const v = ds.value
  const field = ds.path
  if (meta.type === 3) {
    const data = typeof v === 'string' ? [v] : Array.isArray(v) ? v.map(String) : null
    if (data === null) throw new SpikelabError('nir.dtype', `dataset '${field}' could not be read as strings`, { file, field })
    return { kind: 'string', shape, data }
  }
  if (meta.type === 1) {
    const dtype = meta.size === 4 ? 'float32' : 'float64'
    if (typeof v === 'number') return { kind: 'float', dtype, shape, data: Float64Array.of(v) }
    if (v instanceof Float32Array || v instanceof Float64Array) return { kind: 'float', dtype, shape, data: Float64Array.from(v) }
  }
  if (meta.type === 0) {
    const toNumber = (x: number | bigint, k: number): number => {
      if (typeof x === 'bigint' && (x > BigInt(Number.MAX_SAFE_INTEGER) || x < -BigInt(Number.MAX_SAFE_INTEGER))) {
        throw new SpikelabError('nir.range', `value at index ${k} exceeds 2^53`, { file, field })
      }
      return Number(x)
    }
    if (typeof v === 'number' || typeof v === 'bigint') return { kind: 'int', shape, data: [toNumber(v, 0)] }
    if (ArrayBuffer.isView(v)) return { kind: 'int', shape, data: Array.from(v as unknown as ArrayLike<number | bigint>, toNumber) }
  }
  throw new SpikelabError('nir.dtype', `dataset '${field}' has an unsupported data type (${JSON.stringify(ds.dtype)}); expected float, integer or string`, { file, field })
}

function readMetadata(group: H5Group, file: string): NirMetadata {
  const m = group.get('metadata')
  return isGroup(m) ? readMetadataEntries(m, file) : {}
}

function readMetadataEntries(m: H5Group, file: string): NirMetadata {
  const out: Record<string, NirMetaValue> = {}
  for (const key of m.keys()) {
    const e = m.get(key)
    if (isGroup(e)) out[key] = readMetadataEntries(e, file)
    else if (isDataset(e)) {
      try {
        const a = readArray(e, file)
        out[key] = a.shape.length === 0 ? a.data[0] : a.kind === 'string' ? [...a.data] : Array.from(a.data as ArrayLike<number>)
      } catch {
        // Metadata is informative only (nir.md §1): an unreadable entry is skipped, not fatal.
      }
    }
  }
  return out
}

export interface WriteNirFileOptions {
  /** gzip-compress numeric arrays (the reference writer does); default true. */
  readonly compress?: boolean
  readonly version?: string
}

/** Writes the graph to `file` through a temporary file in the same folder and a rename. */
export async function writeNirGraphFile(graph: NirGraph, file: string, options: WriteNirFileOptions = {}): Promise<void> {
  const h5 = await loadH5()
  const target = path.resolve(file)
  // h5wasm does not throw when it cannot create a file (it logs and carries on), so check first.
  await access(path.dirname(target), constants.W_OK).catch((err: Error) => {
    throw new SpikelabError('nir.write', `cannot write in the folder: ${err.message}`, { file: target }, { cause: err })
  })
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`)
  const opened: { file: InstanceType<H5['File']> | null } = { file: null }
  try {
    let f: InstanceType<H5['File']>
    try {
      f = opened.file = new h5.File(temp, 'w')
    } catch (err) {
      throw new SpikelabError('nir.write', `cannot create the file: ${(err as Error).message}`, { file: target }, { cause: err })
    }
    f.create_dataset({ name: 'version', data: options.version ?? NIR_VERSION })
    writeGraph(f.create_group('node'), graph, options.compress ?? true)
    opened.file = null
    f.close()
    await rename(temp, target)
  } catch (err) {
    try {
      opened.file?.close()
    } catch {
      // already failing; the temporary file is removed below
    }
    await rm(temp, { force: true })
    throw err
  }
}

function writeGraph(g: H5Group, graph: NirGraph, compress: boolean): void {
  g.create_dataset({ name: 'type', data: 'NIRGraph' })
  const nodes = g.create_group('nodes')
  for (const [name, node] of Object.entries(graph.nodes)) {
    const n = nodes.create_group(name)
    if (node.type === 'NIRGraph' && node.graph) {
      writeGraph(n, node.graph, compress)
      continue
    }
    n.create_dataset({ name: 'type', data: node.type })
    for (const [key, a] of Object.entries(node.params)) writeArray(n, key, a, compress)
    writeMetadata(n, node.metadata)
  }
  g.create_dataset({ name: 'edges', data: graph.edges.flatMap(([a, b]) => [a, b]), shape: [graph.edges.length, 2] })
  writeMetadata(g, graph.metadata)
}

function writeArray(g: H5Group, name: string, a: NirArray, compress: boolean): void {
  const shape = [...a.shape]
  if (a.kind === 'string') {
    g.create_dataset({ name, data: a.shape.length === 0 ? a.data[0] : [...a.data], shape: a.shape.length === 0 ? null : shape })
    return
  }
  const data = a.kind === 'float' ? Float32Array.from(a.data) : BigInt64Array.from(a.data, (x) => BigInt(x))
  const dtype = a.kind === 'float' ? '<f' : '<q'
  const chunked = compress && shape.length > 0 && shape.every((d) => d > 0)
  g.create_dataset({ name, data, shape, dtype, ...(chunked ? { chunks: shape, compression: 'gzip' as const } : {}) })
}

function writeMetadata(g: H5Group, metadata: NirMetadata): void {
  if (Object.keys(metadata).length > 0) writeMetadataEntries(g.create_group('metadata'), metadata)
}

function writeMetadataEntries(g: H5Group, metadata: NirMetadata): void {
  for (const [key, v] of Object.entries(metadata)) {
    if (typeof v === 'string' || typeof v === 'number') g.create_dataset({ name: key, data: v })
    else if (Array.isArray(v)) g.create_dataset({ name: key, data: v.every((x) => typeof x === 'string') ? [...(v as string[])] : Float64Array.from(v as number[]) })
    else writeMetadataEntries(g.create_group(key), v as NirMetadata)
  }
}

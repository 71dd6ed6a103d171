import { stat } from 'node:fs/promises'
import path from 'node:path'
import { SpikelabError } from '../../../common/errors.js'
import { floatNetworkFromCheckpoint, loadCheckpointFromRun } from '../../deploy/index.js'
import { checkNirGraph, nirExportability, nirToFloatNetwork, readNirGraphFile, writeNir, type CheckedGraph, type NirArray } from '../../nir/index.js'
import type { MethodId } from '../../snn/index.js'
import { EXIT_FAILED, EXIT_OK, UsageError, type Command, type CommandIo } from '../command.js'

const METHODS: readonly MethodId[] = ['bptt', 'coarse', 'ide', 'vdib']

function parseDt(text: string | boolean | undefined): number | undefined {
  if (text === undefined) return undefined
  const dt = Number(text)
  if (typeof text !== 'string' || !(dt > 0) || !Number.isFinite(dt)) throw new UsageError(`--dt must be a positive number of seconds, got '${String(text)}'`)
  return dt
}

async function exportRun(source: string, out: string, dt: number | undefined, io: CommandIo): Promise<number> {
  const full = path.resolve(source)
  const info = await stat(full).catch((err: Error) => {
    throw new SpikelabError('nir.export', `cannot open: ${err.message}`, { file: full })
  })
  const folder = info.isDirectory() ? full : path.basename(full) === 'run.json' ? path.dirname(full) : null
  if (!folder) throw new UsageError('SOURCE must be a training run folder or its run.json')
  const checkpoint = await loadCheckpointFromRun(folder)
  const method = checkpoint.method as MethodId
  if (METHODS.includes(method)) {
    const ex = nirExportability(method)
    if (ex.level === 'none') {
      io.err(`spikelab nir: a ${method} network cannot be written as NIR:`)
      for (const r of ex.reasons) io.err(`  - ${r}`)
      return EXIT_FAILED
    }
  }
  const net = floatNetworkFromCheckpoint(checkpoint, `run ${path.basename(folder)}`)
  const { graph, warnings } = await writeNir(net, out, { dtSeconds: dt })
  for (const w of warnings) io.err(`warning: ${w}`)
  io.out(`wrote ${path.resolve(out)}: ${Object.keys(graph.nodes).length} nodes, ${graph.edges.length} edges, dt ${graph.metadata.dt} s`)
  return EXIT_OK
}

function describeArray(a: NirArray): string {
  const dtype = a.kind === 'float' ? (a.dtype === 'float32' ? 'f32' : 'f64') : a.kind === 'int' ? 'i64' : 'str'
  if (a.shape.length === 0 || (a.kind !== 'float' && a.data.length <= 4)) return `${dtype} ${a.kind === 'string' ? `'${a.data.join("', '")}'` : `[${a.data.join(', ')}]`}`
  return `${dtype}[${a.shape.join('×')}]`
}

function range(values: ArrayLike<number>): string {
  let lo = Infinity
  let hi = -Infinity
  for (let k = 0; k < values.length; k++) {
    lo = Math.min(lo, values[k])
    hi = Math.max(hi, values[k])
  }
  const f = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(5)).toString() : String(x))
  return lo === hi ? f(lo) : `${f(lo)}…${f(hi)}`
}

/** Nodes in the order values flow (breadth-first from the Input nodes), then any the edges never reach. */
function executionOrder(graph: CheckedGraph) {
  const all = [...graph.nodes.values()]
  const order = all.filter((n) => n.type === 'Input' && !n.boundary)
  const seen = new Set(order.map((n) => n.name))
  for (let k = 0; k < order.length; k++) {
    for (const [a, b] of graph.edges) {
      if (a !== order[k].name || seen.has(b)) continue
      seen.add(b)
      order.push(graph.nodes.get(b) as (typeof all)[number])
    }
  }
  return [...order, ...all.filter((n) => !seen.has(n.name))]
}

async function info(file: string, dt: number | undefined, json: boolean, io: CommandIo): Promise<number> {
  const full = path.resolve(file)
  const { graph, version } = await readNirGraphFile(full)
  let checked: CheckedGraph
  try {
    checked = checkNirGraph(graph, full)
  } catch (err) {
    io.err(`spikelab nir: ${(err as Error).message}`)
    return EXIT_FAILED
  }
  const nodes = executionOrder(checked).map((n) => ({
    name: n.name,
    type: n.type,
    input: checked.shapes.get(n.name)?.in ?? null,
    output: checked.shapes.get(n.name)?.out ?? null,
    params: Object.fromEntries(Object.entries(n.params).map(([k, a]) => [k, describeArray(a)])),
  }))
  let imported: ReturnType<typeof nirToFloatNetwork> | null = null
  let importError: string | null = null
  try {
    imported = nirToFloatNetwork(graph, { file: full, dtSeconds: dt })
  } catch (err) {
    importError = (err as Error).message
  }
  const layers =
    imported?.network.layers.map((l) =>
      l.kind === 'lif' ? { kind: l.kind, size: l.size, beta: range(l.beta), threshold: range(l.threshold), reset: l.reset, recurrent: l.recurrent !== undefined } : { kind: l.kind },
    ) ?? []
  if (json) {
    io.out(JSON.stringify({ file: full, version, nodes, edges: checked.edges, metadata: graph.metadata, dtSeconds: imported?.dtSeconds ?? null, dtSource: imported?.dtSource ?? null, layers, warnings: imported?.warnings ?? checked.warnings, importError }))
    return importError ? EXIT_FAILED : EXIT_OK
  }
  io.out(`${full}: NIR ${version ?? '(no version)'}, ${nodes.length} nodes, ${checked.edges.length} edges`)
  const w = (k: keyof (typeof nodes)[number]) => Math.max(...nodes.map((n) => String(n[k]).length))
  const [wn, wt] = [w('name'), w('type')]
  for (const n of nodes) {
    const shapes = `[${n.input?.join(', ')}] → [${n.output?.join(', ')}]`
    const params = Object.entries(n.params)
      .filter(([k]) => k !== 'shape')
      .map(([k, d]) => `${k} ${d}`)
      .join(', ')
    io.out(`  ${n.name.padEnd(wn)}  ${n.type.padEnd(wt)}  ${shapes}${params ? `  ${params}` : ''}`)
  }
  io.out(`edges: ${checked.edges.map(([a, b]) => `${a} → ${b}`).join(', ')}`)
  if (imported) {
    io.out(`as a Spikelab network: β = 1 − dt/τ with dt ${imported.dtSeconds} s (${imported.dtSource}); step ${imported.network.dtSeconds} s; input [${imported.network.inputShape.join(', ')}]`)
    imported.network.layers.forEach((l, i) => {
      const d = layers[i] as { beta?: string; threshold?: string; reset?: string; size?: number; recurrent?: boolean }
      io.out(l.kind === 'lif' ? `  ${i}: lif ${d.size} neurons, β ${d.beta}, θ ${d.threshold}, reset ${d.reset}${d.recurrent ? ', recurrent' : ''}` : `  ${i}: ${l.kind}`)
    })
    for (const warning of imported.warnings) io.err(`warning: ${warning}`)
    return EXIT_OK
  }
  io.err(`spikelab nir: cannot import: ${importError}`)
  return EXIT_FAILED
}

export const nirCommand: Command = {
  name: 'nir',
  summary: 'Export a trained network to NIR (.nir), or describe a NIR file',
  help: [
    'Usage: spikelab nir export SOURCE OUT.nir [--dt S]',
    '       spikelab nir info FILE.nir [--dt S] [--json]',
    '',
    'export  SOURCE is a training run folder (or its run.json). Writes NIR 1.0 (HDF5): τ = dt/(1 − β),',
    '        r = 1/(1 − β), v_reset = 0; --dt is the dt the τ values encode (default 1e-4 s, snnTorch).',
    '        Warns where other NIR tools will simulate the network differently (reset by subtraction).',
    'info    Nodes, shapes along the edges, the network it imports as (β, θ, reset per layer) and',
    '        every assumption made on import. --dt: the dt to assume when the file states none.',
    '',
    'Which training methods NIR can express: bptt (reset by subtraction is approximated), coarse and',
    'ide approximately, vdib not at all (stochastic readout, ANN decoder).',
  ].join('\n'),
  options: { dt: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [2, 3],
  async run({ values, positionals }, io) {
    const [action, ...args] = positionals
    const dt = parseDt(values.dt)
    if (action === 'export') {
      if (args.length !== 2) throw new UsageError('nir export takes SOURCE and OUT.nir')
      return exportRun(args[0], args[1], dt, io)
    }
    if (action === 'info') {
      if (args.length !== 1) throw new UsageError('nir info takes one FILE.nir')
      return info(args[0], dt, values.json === true, io)
    }
    throw new UsageError(`unknown action '${action}' (export or info)`)
  },
}

/**
 * A NIR graph in memory, as stored in a `.nir` file (nir.md §2, §4): named nodes with their parameter
 * datasets, directed edges, optional metadata; a node of type `NIRGraph` nests another graph.
 * Shapes are NIR's: channel-first, no batch dimension, weights [out, in].
 */

export type NirArray =
  | { readonly kind: 'float'; readonly dtype: 'float32' | 'float64'; readonly shape: readonly number[]; readonly data: Float64Array }
  | { readonly kind: 'int'; readonly shape: readonly number[]; readonly data: readonly number[] }
  | { readonly kind: 'string'; readonly shape: readonly number[]; readonly data: readonly string[] }

export type NirMetaValue = string | number | readonly number[] | readonly string[] | NirMetadata
export interface NirMetadata {
  readonly [key: string]: NirMetaValue
}

export interface NirNode {
  readonly type: string
  /** Parameter datasets by name (every dataset of the node group except `type`). */
  readonly params: Readonly<Record<string, NirArray>>
  readonly metadata: NirMetadata
  /** The nested graph, for `type === 'NIRGraph'`. */
  readonly graph?: NirGraph
  /** HDF5 path of the node's group, for error messages (set by the reader). */
  readonly path?: string
}

export interface NirGraph {
  readonly nodes: Readonly<Record<string, NirNode>>
  readonly edges: readonly (readonly [string, string])[]
  readonly metadata: NirMetadata
}

export function floatArray(data: ArrayLike<number>, shape: readonly number[], dtype: 'float32' | 'float64' = 'float32'): NirArray {
  return { kind: 'float', dtype, shape: [...shape], data: Float64Array.from(data) }
}

export function intArray(data: readonly number[], shape: readonly number[] = [data.length]): NirArray {
  return { kind: 'int', shape: [...shape], data: [...data] }
}

export function intScalar(value: number): NirArray {
  return { kind: 'int', shape: [], data: [value] }
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

export function formatShape(shape: readonly number[] | null): string {
  return shape === null ? '[?]' : `[${shape.join(', ')}]`
}

type ParamKind = 'float' | 'int' | 'int-or-string'
export interface ParamSpec {
  readonly kind: ParamKind
  readonly required: boolean
  /** Allowed ranks; absent = any. */
  readonly ranks?: readonly number[]
}

const f = (required = true, ranks?: number[]): ParamSpec => ({ kind: 'float', required, ranks })
const i = (required = true, ranks?: number[]): ParamSpec => ({ kind: 'int', required, ranks })

/**
 * The node types Spikelab reads and writes, with their datasets (nir.md §2). Conv2d's stride,
 * padding, dilation, groups and bias may be absent on read (PyTorch defaults), never on write.
 */
export const NODE_SPECS: Readonly<Record<string, Readonly<Record<string, ParamSpec>>>> = {
  Input: { shape: i(true, [1]) },
  Output: { shape: i(true, [1]) },
  Affine: { weight: f(true, [2, 3, 4]), bias: f(true) },
  Linear: { weight: f(true, [2]) },
  Scale: { scale: f() },
  Conv2d: {
    weight: f(true, [4]),
    stride: i(false, [0, 1]),
    padding: { kind: 'int-or-string', required: false, ranks: [0, 1] },
    dilation: i(false, [0, 1]),
    groups: i(false, [0, 1]),
    bias: f(false, [1]),
    input_shape: i(false, [1]),
  },
  SumPool2d: { kernel_size: i(true, [0, 1]), stride: i(true, [0, 1]), padding: i(true, [0, 1]) },
  AvgPool2d: { kernel_size: i(true, [0, 1]), stride: i(true, [0, 1]), padding: i(true, [0, 1]) },
  Flatten: { start_dim: i(true, [0, 1]), end_dim: i(true, [0, 1]), input_type: i(false, [1]) },
  Threshold: { threshold: f() },
  IF: { r: f(), v_threshold: f(), v_reset: f(false) },
  LI: { tau: f(), r: f(), v_leak: f() },
  LIF: { tau: f(), r: f(), v_leak: f(), v_threshold: f(), v_reset: f(false) },
  CubaLIF: { tau_syn: f(), tau_mem: f(), r: f(), v_leak: f(), v_threshold: f(), v_reset: f(false), w_in: f(false) },
}

/** Node types whose parameters all share the neuron shape N. */
export const ELEMENTWISE_TYPES: ReadonlySet<string> = new Set(['Scale', 'Threshold', 'IF', 'LI', 'LIF', 'CubaLIF'])

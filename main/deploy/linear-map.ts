import { SpikelabError } from '../../common/errors.js'
import type { FloatLayer } from './float-network.js'

/**
 * An affine map y = M·x + b as a float CSR matrix (rows = outputs, cols = inputs). The chain of
 * linear layers between two LIF layers (dense, conv2d, sum/avg pool, flatten, scale) composes into
 * one such map, because RP1 knows only matrices from a source to a layer.
 */
export interface AffineMap {
  readonly rows: number
  readonly cols: number
  readonly rowPtr: Uint32Array
  readonly colIdx: Uint32Array
  readonly values: Float64Array
  readonly bias: Float64Array
}

export function identityMap(n: number): AffineMap {
  return {
    rows: n,
    cols: n,
    rowPtr: Uint32Array.from({ length: n + 1 }, (_, i) => i),
    colIdx: Uint32Array.from({ length: n }, (_, i) => i),
    values: new Float64Array(n).fill(1),
    bias: new Float64Array(n),
  }
}

/** Emits the (input row, coefficient) terms of output row `o` of a linear layer. */
type Terms = (o: number, emit: (i: number, coef: number) => void) => void

/** y' = L·(M·x + b) + extraBias for a linear layer L given by its terms per output row. */
function compose(m: AffineMap, nOut: number, terms: Terms, extraBias: (o: number) => number): AffineMap {
  const acc = new Float64Array(m.cols)
  const touched = new Uint8Array(m.cols)
  const list: number[] = []
  const rowPtr = new Uint32Array(nOut + 1)
  const cols: number[] = []
  const vals: number[] = []
  const bias = new Float64Array(nOut)
  for (let o = 0; o < nOut; o++) {
    let b = extraBias(o)
    terms(o, (i, coef) => {
      if (coef === 0) return
      b += coef * m.bias[i]
      for (let k = m.rowPtr[i]; k < m.rowPtr[i + 1]; k++) {
        const c = m.colIdx[k]
        if (!touched[c]) {
          touched[c] = 1
          list.push(c)
        }
        acc[c] += coef * m.values[k]
      }
    })
    list.sort((a, b2) => a - b2)
    for (const c of list) {
      if (acc[c] !== 0) {
        cols.push(c)
        vals.push(acc[c])
      }
      acc[c] = 0
      touched[c] = 0
    }
    list.length = 0
    bias[o] = b
    rowPtr[o + 1] = cols.length
  }
  return { rows: nOut, cols: m.cols, rowPtr, colIdx: Uint32Array.from(cols), values: Float64Array.from(vals), bias }
}

/** Output shape of a linear layer given its input shape. */
export function linearOutputShape(layer: FloatLayer, inShape: readonly number[], field: string): number[] {
  switch (layer.kind) {
    case 'dense':
      if (size(inShape) !== layer.inFeatures) throw shapeError(field, `dense expects ${layer.inFeatures} inputs, gets [${inShape.join(', ')}]`)
      return [layer.outFeatures]
    case 'conv2d':
    case 'pool': {
      checkSame(layer.inShape, inShape, field)
      const [h, w, c] = layer.inShape
      const [kh, kw] = layer.kind === 'conv2d' ? layer.kernel : layer.window
      const oh = Math.floor((h + 2 * layer.padding[0] - kh) / layer.stride[0]) + 1
      const ow = Math.floor((w + 2 * layer.padding[1] - kw) / layer.stride[1]) + 1
      if (!(oh >= 1 && ow >= 1)) throw shapeError(field, `${layer.kind} output would be empty`)
      return [oh, ow, layer.kind === 'conv2d' ? layer.filters : c]
    }
    case 'flatten':
      if (size(layer.inShape) !== size(inShape)) throw shapeError(field, `flatten of [${layer.inShape.join(', ')}] gets [${inShape.join(', ')}]`)
      return [size(inShape)]
    case 'scale':
      if (layer.scale.length !== size(inShape)) throw shapeError(field, `scale has ${layer.scale.length} values for ${size(inShape)} inputs`)
      return [...inShape]
    case 'lif':
      return [...inShape]
  }
}

/** Applies one linear layer to an affine map (whose rows are that layer's inputs). */
export function applyLinear(m: AffineMap, layer: FloatLayer, inShape: readonly number[], field: string): AffineMap {
  const out = linearOutputShape(layer, inShape, field)
  const nOut = size(out)
  switch (layer.kind) {
    case 'dense': {
      const { inFeatures: nIn, outFeatures: nO, weight, bias } = layer
      return compose(m, nO, (o, emit) => {
        for (let i = 0; i < nIn; i++) emit(i, weight[i * nO + o])
      }, (o) => (bias ? bias[o] : 0))
    }
    case 'conv2d': {
      const [h, w, cin] = layer.inShape
      const [kh, kw] = layer.kernel
      const [sy, sx] = layer.stride
      const [py, px] = layer.padding
      const [, ow, cout] = out
      const { weight, bias } = layer
      return compose(m, nOut, (o, emit) => {
        const co = o % cout
        const ox = Math.floor(o / cout) % ow
        const oy = Math.floor(o / (cout * ow))
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sy - py + ky
          if (iy < 0 || iy >= h) continue
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sx - px + kx
            if (ix < 0 || ix >= w) continue
            for (let ci = 0; ci < cin; ci++) emit((iy * w + ix) * cin + ci, weight[((ky * kw + kx) * cin + ci) * cout + co])
          }
        }
      }, (o) => (bias ? bias[o % cout] : 0))
    }
    case 'pool': {
      if (layer.mode === 'max') {
        throw new SpikelabError('UNSUPPORTED_MODEL', 'max pooling is not linear, so RP1 (weighted sums only) cannot express it; train with sum or avg pooling', { field })
      }
      const [h, w, c] = layer.inShape
      const [kh, kw] = layer.window
      const [sy, sx] = layer.stride
      const [py, px] = layer.padding
      const ow = out[1]
      const coef = layer.mode === 'avg' ? 1 / (kh * kw) : 1
      return compose(m, nOut, (o, emit) => {
        const ch = o % c
        const ox = Math.floor(o / c) % ow
        const oy = Math.floor(o / (c * ow))
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sy - py + ky
          if (iy < 0 || iy >= h) continue
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sx - px + kx
            if (ix >= 0 && ix < w) emit((iy * w + ix) * c + ch, coef)
          }
        }
      }, () => 0)
    }
    case 'flatten':
      return m // row-major (h, w, c) flattening keeps the row order
    case 'scale': {
      const s = layer.scale
      return compose(m, nOut, (o, emit) => emit(o, s[o]), () => 0)
    }
    case 'lif':
      throw new Error('unreachable: lif is not a linear layer')
  }
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

function checkSame(a: readonly number[], b: readonly number[], field: string): void {
  if (size(a) !== size(b) || (b.length === 3 && a.some((n, i) => n !== b[i]))) {
    throw shapeError(field, `expects input [${a.join(', ')}], gets [${b.join(', ')}]`)
  }
}

function shapeError(field: string, message: string): SpikelabError {
  return new SpikelabError('UNSUPPORTED_MODEL', message, { field })
}

/** Largest |value| of a map's matrix. */
export function maxAbs(values: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]))
  return m
}

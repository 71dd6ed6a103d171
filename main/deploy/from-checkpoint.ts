import path from 'node:path'
import { SpikelabError } from '../../common/errors.js'
import type { BpttConfig, Checkpoint, LayerSpec } from '../snn/index.js'
import { bpttConfig, lifConfig } from '../snn/index.js'
import { loadCheckpointFromRun } from '../snn/run-folder.js'
import type { FloatLayer, FloatNetwork } from './float-network.js'

const MNIST_LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']

/**
 * A BPTT checkpoint (dense, conv2d, pool, flatten and lif layers; channels-last) as a FloatNetwork.
 * The training layers' own conventions carry over unchanged: dense [in, out], conv HWIO, pools
 * 'valid', conv 'valid' or 'same' (symmetric padding only).
 */
export function floatNetworkFromCheckpoint(checkpoint: Checkpoint, source = 'checkpoint'): FloatNetwork {
  if (checkpoint.format !== 'spikelab.snn.checkpoint' || checkpoint.method !== 'bptt') {
    throw new SpikelabError('UNSUPPORTED_MODEL', `not a BPTT checkpoint (format '${String(checkpoint.format)}', method '${String(checkpoint.method)}')`, { field: 'method' })
  }
  const config = bpttConfig(checkpoint.config as Partial<BpttConfig>)
  const tensors = new Map(checkpoint.tensors.map((t) => [t.name, t]))
  const take = (name: string, shape: number[]): Float32Array => {
    const t = tensors.get(name)
    if (!t) throw new SpikelabError('UNSUPPORTED_MODEL', `checkpoint has no tensor '${name}'`, { field: 'tensors' })
    const same = t.shape.length === shape.length && t.shape.every((n, i) => n === shape[i])
    if (!same || t.data.byteLength !== 4 * shape.reduce((a, b) => a * b, 1)) {
      throw new SpikelabError('UNSUPPORTED_MODEL', `tensor '${name}' is [${t.shape.join(', ')}], the architecture needs [${shape.join(', ')}]`, { field: `tensors.${name}` })
    }
    return new Float32Array(t.data.slice(0))
  }
  const layers: FloatLayer[] = []
  const warnings: string[] = []
  let shape = [...config.inputShape]
  config.architecture.forEach((spec: LayerSpec, i) => {
    const field = `config.architecture[${i}]`
    switch (spec.type) {
      case 'dense': {
        const inFeatures = shape.reduce((a, b) => a * b, 1)
        layers.push({ kind: 'dense', inFeatures, outFeatures: spec.units, weight: take(`dense${i}/kernel`, [inFeatures, spec.units]), bias: take(`dense${i}/bias`, [spec.units]) })
        shape = [spec.units]
        break
      }
      case 'conv2d': {
        const [h, w, cin] = shape as [number, number, number]
        const k = spec.kernelSize
        const stride = spec.stride ?? 1
        const pad = (n: number): number => {
          if (spec.padding !== 'same') return 0
          const out = Math.ceil(n / stride)
          const total = Math.max(0, (out - 1) * stride + k - n)
          if (total % 2 !== 0) throw new SpikelabError('UNSUPPORTED_MODEL', `'same' padding of kernel ${k}, stride ${stride} on ${n} pixels is asymmetric`, { field })
          return total / 2
        }
        const padding: [number, number] = [pad(h), pad(w)]
        layers.push({
          kind: 'conv2d', inShape: [h, w, cin], filters: spec.filters, kernel: [k, k], stride: [stride, stride], padding,
          weight: take(`conv${i}/kernel`, [k, k, cin, spec.filters]), bias: take(`conv${i}/bias`, [spec.filters]),
        })
        const out = (n: number, p: number) => Math.floor((n + 2 * p - k) / stride) + 1
        shape = [out(h, padding[0]), out(w, padding[1]), spec.filters]
        break
      }
      case 'pool': {
        const [h, w, c] = shape as [number, number, number]
        const stride = spec.stride ?? spec.size
        layers.push({ kind: 'pool', mode: spec.mode, inShape: [h, w, c], window: [spec.size, spec.size], stride: [stride, stride], padding: [0, 0] })
        const out = (n: number) => Math.floor((n - spec.size) / stride) + 1
        shape = [out(h), out(w), c]
        break
      }
      case 'flatten':
        layers.push({ kind: 'flatten', inShape: [...shape] })
        shape = [shape.reduce((a, b) => a * b, 1)]
        break
      case 'lif': {
        const { type: _type, ...rest } = spec
        const lif = lifConfig(rest)
        if (lif.reset === 'none') {
          throw new SpikelabError('UNSUPPORTED_MODEL', "a lif layer without reset cannot run on RP1 (every spike resets); retrain with reset 'subtract' or 'zero'", { field: `${field}.reset` })
        }
        const n = shape.reduce((a, b) => a * b, 1)
        layers.push({ kind: 'lif', size: n, beta: new Float32Array(n).fill(lif.beta), threshold: new Float32Array(n).fill(lif.threshold), reset: lif.reset })
        break
      }
    }
  })
  return {
    inputShape: [...config.inputShape],
    dtSeconds: 1e-3,
    layers,
    labels: config.data.source === 'mnist' && shape.reduce((a, b) => a * b, 1) === MNIST_LABELS.length ? MNIST_LABELS : undefined,
    source,
    warnings,
  }
}

export { loadCheckpointFromRun }

/** The FloatNetwork of a training run folder. */
export async function loadFloatNetworkFromRun(runFolder: string): Promise<FloatNetwork> {
  const checkpoint = await loadCheckpointFromRun(runFolder)
  return floatNetworkFromCheckpoint(checkpoint, `run ${path.basename(path.resolve(runFolder))}`)
}

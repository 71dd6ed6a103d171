import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../../common/errors.js'
import type { Parameter } from '../../layers/parameter.js'

export interface SgdOptions {
  readonly momentum: number
  readonly weightDecay: number
}

/**
 * SGD with momentum and L2 weight decay as PyTorch defines it (torch.optim.SGD, dampening 0, no
 * Nesterov), stepping on the host:  d = g + wd·w;  buf = d (first step) or μ·buf + d;  w ← w − lr·buf.
 */
export class HostSgd {
  private readonly buffers: (Float32Array | null)[]

  constructor(
    private readonly parameters: readonly Parameter[],
    private readonly options: SgdOptions,
  ) {
    this.buffers = parameters.map(() => null)
  }

  apply(grads: tf.NamedTensorMap, learningRate: number): void {
    const { momentum, weightDecay } = this.options
    this.parameters.forEach(({ name, variable }, k) => {
      const grad = grads[variable.name]
      if (grad === undefined) throw new SpikelabError('SNN_NO_GRADIENT', `no gradient for parameter '${name}'`, { field: name })
      const g = grad.dataSync() as Float32Array
      const w = Float32Array.from(variable.dataSync() as Float32Array)
      let buf = this.buffers[k]
      const first = buf === null
      if (buf === null) buf = this.buffers[k] = new Float32Array(w.length)
      for (let i = 0; i < w.length; i++) {
        const d = g[i] + weightDecay * w[i]
        buf[i] = first ? d : momentum * buf[i] + d
        w[i] -= learningRate * buf[i]
      }
      tf.tidy(() => variable.assign(tf.tensor(w, variable.shape, 'float32')))
    })
  }
}

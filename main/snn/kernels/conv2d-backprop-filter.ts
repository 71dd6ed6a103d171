import * as tf from '@tensorflow/tfjs'
import type { Conv2DBackpropFilterAttrs, KernelBackend, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs'
import { SpikelabError } from '../../../common/errors.js'

/**
 * The filter gradient of a 2-D convolution (NHWC input, HWIO filter), written as an im2col-style
 * accumulation: for every output position, the input patch under the filter times that position's
 * output gradient is added to dW. The wasm backend ships no `Conv2DBackpropFilter` kernel, so without
 * this conv training fails there (tensorflow/tfjs#8474).
 *
 *   dW[kh, kw, ci, co] = Σ_{b, oy, ox} x[b, oy·sh + kh − padTop, ox·sw + kw − padLeft, ci] · dy[b, oy, ox, co]
 */
export function conv2dFilterGradient(
  x: Float32Array,
  xShape: readonly [number, number, number, number],
  dy: Float32Array,
  attrs: Conv2DBackpropFilterAttrs,
): { values: Float32Array; shape: [number, number, number, number] } {
  if (attrs.dataFormat === 'NCHW') {
    throw new SpikelabError('SNN_UNSUPPORTED', 'Conv2DBackpropFilter for wasm supports NHWC only', { field: 'dataFormat' })
  }
  const info = tf.backend_util.computeConv2DInfo(
    [...xShape] as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  )
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info
  const padTop = info.padInfo.top
  const padLeft = info.padInfo.left
  const dW = new Float32Array(filterHeight * filterWidth * inChannels * outChannels)
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * outChannels
        for (let kh = 0; kh < filterHeight; kh++) {
          const iy = oy * strideHeight + kh - padTop
          if (iy < 0 || iy >= inHeight) continue
          for (let kw = 0; kw < filterWidth; kw++) {
            const ix = ox * strideWidth + kw - padLeft
            if (ix < 0 || ix >= inWidth) continue
            const xBase = ((b * inHeight + iy) * inWidth + ix) * inChannels
            const wBase = (kh * filterWidth + kw) * inChannels * outChannels
            for (let ci = 0; ci < inChannels; ci++) {
              const xv = x[xBase + ci]
              if (xv === 0) continue // spike inputs are mostly zero
              const row = wBase + ci * outChannels
              for (let co = 0; co < outChannels; co++) dW[row + co] += xv * dy[dyBase + co]
            }
          }
        }
      }
    }
  }
  return { values: dW, shape: [filterHeight, filterWidth, inChannels, outChannels] }
}

function conv2dBackpropFilterKernel(args: {
  inputs: NamedTensorInfoMap
  backend: unknown
  attrs?: unknown
}): TensorInfo {
  const backend = args.backend as KernelBackend
  const { x, dy } = args.inputs
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter needs inputs x and dy')
  const attrs = args.attrs as Conv2DBackpropFilterAttrs
  const xValues = Float32Array.from(backend.readSync(x.dataId) as Float32Array)
  const dyValues = Float32Array.from(backend.readSync(dy.dataId) as Float32Array)
  const { values, shape } = conv2dFilterGradient(
    xValues,
    x.shape as [number, number, number, number],
    dyValues,
    attrs,
  )
  return { dataId: backend.write(values, shape, 'float32'), shape, dtype: 'float32' }
}

/** Registers the kernel for `backendName` unless one exists. Returns whether it registered. */
export function registerConv2dBackpropFilter(backendName: string): boolean {
  if (tf.getKernel('Conv2DBackpropFilter', backendName) !== undefined) return false
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName, kernelFunc: conv2dBackpropFilterKernel })
  return true
}

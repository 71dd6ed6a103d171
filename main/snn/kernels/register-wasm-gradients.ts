import { registerConv2dBackpropFilter } from './conv2d-backprop-filter.js'

let registered = false

/**
 * Registers the gradient kernels our layers need that the wasm backend lacks. Kernels are keyed by
 * backend name, so this may run before the wasm backend is initialised.
 */
export function registerMissingWasmGradients(): void {
  if (registered) return
  registerConv2dBackpropFilter('wasm')
  registered = true
}

import { createRequire } from 'node:module'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { SpikelabError } from '../../common/errors.js'
import { registerMissingWasmGradients } from './kernels/register-wasm-gradients.js'

/** Which tfjs backend to run on. `auto` = tfjs-node when it loads, else wasm, else the pure-JS cpu backend. */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu'

/** The backend a run actually uses; logged with every run and shown in the UI. */
export interface BackendInfo {
  /** tfjs backend name: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  readonly name: string
  /** Whether the backend runs vectorised (wasm SIMD; native TensorFlow counts as SIMD). */
  readonly simd: boolean
  /** Whether the backend uses more than one thread. */
  readonly multithread: boolean
  /** tfjs version in use. */
  readonly tfjsVersion: string
}

let tfjsNodeTried = false
let tfjsNodeLoaded = false
let wasmPathsSet = false

/**
 * `@tensorflow/tfjs-node` is optional: it needs a libtensorflow download at install time, which many
 * machines cannot do. Its import is guarded, and the module name is kept out of static analysis so the
 * build does not require it.
 */
async function tryLoadTfjsNode(): Promise<boolean> {
  if (tfjsNodeTried) return tfjsNodeLoaded
  tfjsNodeTried = true
  // The CUDA build (on a GPU server) registers the same 'tensorflow' backend; prefer it when installed.
  for (const moduleName of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(moduleName)
      tfjsNodeLoaded = tf.findBackend('tensorflow') !== null
    } catch {
      tfjsNodeLoaded = false
    }
    if (tfjsNodeLoaded) break
  }
  return tfjsNodeLoaded
}

/** In Node the wasm binaries are read from the npm package's dist folder on disk, never fetched. */
function pointWasmAtPackage(): void {
  if (wasmPathsSet) return
  const require = createRequire(import.meta.url)
  const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))
  setWasmPaths(dir + path.sep)
  wasmPathsSet = true
}

async function activate(name: string): Promise<boolean> {
  if (name === 'wasm') pointWasmAtPackage()
  try {
    return await tf.setBackend(name)
  } catch {
    return false
  }
}

/** Describes the active backend. */
export async function describeBackend(): Promise<BackendInfo> {
  const name = tf.getBackend()
  let simd = name === 'tensorflow'
  let multithread = name === 'tensorflow'
  if (name === 'wasm') {
    simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true
    multithread = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true
  }
  return { name, simd, multithread, tfjsVersion: tf.version.tfjs }
}

/**
 * Selects and initialises the backend, registers the gradient kernels the wasm backend lacks, and
 * reports what is in use. Safe to call repeatedly (switching backends is allowed between runs).
 */
export async function initBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  registerMissingWasmGradients()
  // Production mode skips tfjs's per-op debug checks (and its console banner about tfjs-node).
  tf.enableProdMode()
  const order: string[] =
    preference === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preference]
  for (const name of order) {
    if (name === 'tensorflow' && !(await tryLoadTfjsNode())) continue
    if (await activate(name)) {
      await tf.ready()
      return describeBackend()
    }
  }
  throw new SpikelabError('SNN_BACKEND_UNAVAILABLE', `tfjs backend '${preference}' could not be initialised`, {
    field: 'backend',
  })
}

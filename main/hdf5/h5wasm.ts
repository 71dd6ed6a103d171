/**
 * h5wasm's Node build, loaded once for every HDF5 reader and writer (NWB in main/spikes, NIR in
 * main/nir; nir.md §7.1). It is ESM-only, so it is imported dynamically; Electron exposes `navigator`,
 * which the build mistakes for a browser, so it is hidden while loading.
 */
import type * as H5Module from 'h5wasm/node'

export type H5 = typeof H5Module
export type H5Group = H5Module.Group
export type H5Dataset = H5Module.Dataset

let h5Promise: Promise<H5> | null = null

export async function loadH5(): Promise<H5> {
  h5Promise ??= (async () => {
    const desc = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
    const hide = desc !== undefined && desc.configurable === true
    if (hide) Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true, writable: true })
    try {
      const mod = await import('h5wasm/node')
      await mod.ready
      return mod
    } finally {
      if (hide) Object.defineProperty(globalThis, 'navigator', desc)
    }
  })()
  return h5Promise
}

export function isGroup(entity: unknown): entity is H5Group {
  return entity !== null && typeof entity === 'object' && 'keys' in entity && !('shape' in entity)
}

export function isDataset(entity: unknown): entity is H5Dataset {
  return entity !== null && typeof entity === 'object' && 'shape' in entity && 'slice' in entity
}

/** Binary spikes held on the host, e.g. an encoded input batch [T, B, ...features]; 1 = spike. */
export interface HostSpikes {
  readonly shape: readonly number[]
  readonly data: Uint8Array
}

export function isHostSpikes(x: unknown): x is HostSpikes {
  return typeof x === 'object' && x !== null && 'data' in x && (x as HostSpikes).data instanceof Uint8Array
}

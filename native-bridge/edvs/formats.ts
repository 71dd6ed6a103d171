import { SpikelabError } from '../../common/errors.js'

/**
 * eDVS binary event layouts (edvs-serial.md §4). Every layout starts with `1yyyyyyy pxxxxxxx`;
 * what follows is either nothing, a big-endian absolute timestamp of 2/3/4 bytes, or a
 * variable-length delta timestamp (7 bits per byte, final byte has bit 7 set).
 */
export type EdvsLayout =
  | { readonly kind: 'plain' }
  | { readonly kind: 'absolute'; readonly timestampBytes: 2 | 3 | 4 }
  | { readonly kind: 'delta' }

/** A format the firmware can be switched to with `!E<n>`, plus its byte layout. */
export interface EdvsFormat {
  /** The number sent in `!E<n>`. */
  readonly command: number
  readonly layout: EdvsLayout
}

/**
 * Firmware numberings (§4.3): the same `!E<n>` means different layouts on different generations.
 * - `current`: LPC2106 v2.2, eDVS4337, mini-eDVS.
 * - `intermediate`: the firmware edvstools targets (`!E1/2/3` = 16/24/32-bit absolute).
 * - `lpc2106-v1.1`: 2011 firmware (`!E1` = 16-bit); its encoded/ASCII formats (`!E10`+) are not supported.
 */
export type EdvsNumbering = 'current' | 'intermediate' | 'lpc2106-v1.1'

export const PLAIN: EdvsLayout = { kind: 'plain' }
export const DELTA: EdvsLayout = { kind: 'delta' }
export const ABS16: EdvsLayout = { kind: 'absolute', timestampBytes: 2 }
export const ABS24: EdvsLayout = { kind: 'absolute', timestampBytes: 3 }
export const ABS32: EdvsLayout = { kind: 'absolute', timestampBytes: 4 }

const NUMBERINGS: Record<EdvsNumbering, readonly EdvsLayout[]> = {
  current: [PLAIN, DELTA, ABS16, ABS24, ABS32],
  intermediate: [PLAIN, ABS16, ABS24, ABS32],
  'lpc2106-v1.1': [PLAIN, ABS16],
}

/** The layout `!E<command>` selects under a numbering; throws for formats this driver cannot parse. */
export function formatFor(numbering: EdvsNumbering, command: number): EdvsFormat {
  const layout = NUMBERINGS[numbering][command]
  if (layout === undefined) {
    throw new SpikelabError('EDVS_FORMAT_UNSUPPORTED', `!E${command} is not a supported binary format under the '${numbering}' numbering`, { field: 'format' })
  }
  return { command, layout }
}

export function formatsOf(numbering: EdvsNumbering): EdvsFormat[] {
  return NUMBERINGS[numbering].map((layout, command) => ({ command, layout }))
}

/** Bytes per event for fixed layouts; `undefined` for the variable-length delta layout. */
export function fixedStride(layout: EdvsLayout): number | undefined {
  if (layout.kind === 'plain') return 2
  if (layout.kind === 'absolute') return 2 + layout.timestampBytes
  return undefined
}

export function describeLayout(layout: EdvsLayout): string {
  if (layout.kind === 'plain') return '2 bytes, no timestamp'
  if (layout.kind === 'delta') return '3-6 bytes, delta timestamp'
  return `${2 + layout.timestampBytes} bytes, ${layout.timestampBytes * 8}-bit timestamp`
}

/** Maximum number of delta-timestamp bytes after the address bytes (§4.1, manual p.11). */
export const MAX_DELTA_BYTES = 4

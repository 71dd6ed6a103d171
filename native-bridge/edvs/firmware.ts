import type { EdvsNumbering } from './formats.js'

/** Firmware generations whose command tables differ (edvs-serial.md §2.1). */
export type EdvsFirmware = 'edvs4337' | 'medvs128' | 'lpc2106-v2.2' | 'lpc2106-v1.1' | 'unknown'

/** Identifies the firmware from the reset banner or `??` output (§3). */
export function classifyBanner(text: string): EdvsFirmware {
  if (/EDVS-?4337/i.test(text)) return 'edvs4337'
  if (/meDVS128/i.test(text)) return 'medvs128'
  if (/V2\.2/.test(text)) return 'lpc2106-v2.2'
  if (/LPC2106/i.test(text) && /\b1\.1\b/.test(text)) return 'lpc2106-v1.1'
  return 'unknown'
}

/** The `!E<n>` numbering a firmware is expected to use when `??E` gives no usable answer. */
export function defaultNumbering(firmware: EdvsFirmware): EdvsNumbering {
  return firmware === 'lpc2106-v1.1' ? 'lpc2106-v1.1' : 'current'
}

/** Old LPC2106 boards have a 16-byte receive buffer: commands must fit (§2, §8 rule 4). */
export function maxCommandBytes(firmware: EdvsFirmware): number {
  return firmware === 'lpc2106-v1.1' || firmware === 'lpc2106-v2.2' || firmware === 'unknown' ? 16 : 64
}

import type { SensorGeometry } from '../../common/event-batch.js'
import { ascii, type TextHeaderRules } from './text-header.js'

export type RawEncoding = 'evt2' | 'evt21' | 'evt3'

/** What a Prophesee RAW header says (event-formats.md §4). */
export interface RawHeaderFacts {
  encoding?: RawEncoding
  geometry?: SensorGeometry
  /** EVT 2.1 half-word order, when stated or implied. */
  evt21Order?: 'legacy' | 'little'
  systemId?: number
  keys: Map<string, string>
}

export const rawHeaderRules: TextHeaderRules = {
  format: 'Prophesee RAW',
  prefix: ascii('% '),
  isLastLine: (line) => line.trim() === '% end',
}

// OpenEB's system_ID table for Prophesee integrators (psee_raw_file_header.cpp).
const SYSTEM_ID_DEFAULTS: Record<number, { encoding: RawEncoding; width: number; height: number }> = {
  0x15: { encoding: 'evt2', width: 640, height: 480 },
  0x1c: { encoding: 'evt2', width: 640, height: 480 },
  0x1f: { encoding: 'evt2', width: 1280, height: 720 },
  0x27: { encoding: 'evt2', width: 1280, height: 720 },
  0x28: { encoding: 'evt3', width: 640, height: 480 },
  0x30: { encoding: 'evt3', width: 1280, height: 720 },
  0x31: { encoding: 'evt3', width: 1280, height: 720 },
  0x32: { encoding: 'evt3', width: 1280, height: 720 },
}

function encodingFromName(name: string): RawEncoding | undefined {
  const n = name.trim().toUpperCase()
  if (n === 'EVT2' || n === '2.0') return 'evt2'
  if (n === 'EVT21' || n === 'EVT2.1' || n === '2.1') return 'evt21'
  if (n === 'EVT3' || n === '3.0') return 'evt3'
  return undefined
}

export function parseRawHeader(lines: readonly string[]): RawHeaderFacts {
  const keys = new Map<string, string>()
  for (const line of lines) {
    const body = line.slice(2)
    const sp = body.indexOf(' ')
    if (sp < 0) keys.set(body.trim(), '')
    else keys.set(body.slice(0, sp), body.slice(sp + 1).trim())
  }
  const facts: RawHeaderFacts = { keys }
  const sys = keys.get('system_ID')
  if (sys !== undefined && /^\d+$/.test(sys)) facts.systemId = Number(sys)

  const format = keys.get('format')
  if (format !== undefined) {
    const [name, ...opts] = format.split(';')
    facts.encoding = encodingFromName(name)
    let w: number | undefined
    let h: number | undefined
    for (const opt of opts) {
      const [k, v] = opt.split('=')
      if (k === 'width') w = Number(v)
      else if (k === 'height') h = Number(v)
      else if (k === 'endianness' && (v === 'legacy' || v === 'little')) facts.evt21Order = v
    }
    if (w !== undefined && h !== undefined && Number.isInteger(w) && Number.isInteger(h)) facts.geometry = { width: w, height: h }
  }
  const evt = keys.get('evt')
  if (facts.encoding === undefined && evt !== undefined) facts.encoding = encodingFromName(evt)
  const geometry = keys.get('geometry')
  if (facts.geometry === undefined && geometry !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(geometry)
    if (m) facts.geometry = { width: Number(m[1]), height: Number(m[2]) }
  }
  const endianness = keys.get('endianness')
  if (facts.evt21Order === undefined && (endianness === 'legacy' || endianness === 'little')) facts.evt21Order = endianness
  if (facts.systemId !== undefined) {
    const d = SYSTEM_ID_DEFAULTS[facts.systemId]
    if (d) {
      facts.encoding ??= d.encoding
      facts.geometry ??= { width: d.width, height: d.height }
    }
    // OpenEB: EVT 2.1 without an endianness key is legacy below SYSTEM_EVK2_SAPHIR (0x37).
    if (facts.encoding === 'evt21') facts.evt21Order ??= facts.systemId < 0x37 ? 'legacy' : 'little'
  }
  return facts
}

/** Header text Spikelab writes for a RAW file. */
export function rawHeaderText(encoding: RawEncoding, geometry: SensorGeometry, evt21Order: 'legacy' | 'little' = 'legacy'): string {
  const name = encoding === 'evt2' ? 'EVT2' : encoding === 'evt21' ? 'EVT21' : 'EVT3'
  const evt = encoding === 'evt2' ? '2.0' : encoding === 'evt21' ? '2.1' : '3.0'
  const extra = encoding === 'evt21' ? `;endianness=${evt21Order}` : ''
  return (
    `% evt ${evt}\n% format ${name};height=${geometry.height};width=${geometry.width}${extra}\n` +
    `% geometry ${geometry.width}x${geometry.height}\n% integrator_name Spikelab\n% end\n`
  )
}

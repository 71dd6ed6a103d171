import { SpikelabError } from '../../common/errors.js'
import type { EdvsFormat, EdvsLayout } from './formats.js'
import { ABS16, ABS24, ABS32, DELTA, PLAIN } from './formats.js'

/**
 * Parses the firmware's `??E` reply into the formats it offers. The byte count printed on each line
 * decides the layout (§4.3: the command number alone is ambiguous across firmware generations), e.g.
 * `!E2   - 4 bytes per event (as above followed by 16bit timestamp 1us res)`.
 * Lines for text formats (`!E5`, `!E6`, ASCII/hex encodings) are skipped.
 */
export function parseFormatTable(reply: string): EdvsFormat[] {
  const formats: EdvsFormat[] = []
  for (const raw of reply.split(/\r?\n/)) {
    const line = raw.trim()
    const head = /^!E(\d+)\b(.*)$/.exec(line)
    if (!head) continue
    const command = Number(head[1])
    const rest = head[2]
    if (/ascii|\bhex|newline|\b6-?bit/i.test(rest)) continue
    const layout = layoutFromDescription(rest)
    if (layout) formats.push({ command, layout })
  }
  if (formats.length === 0) {
    throw new SpikelabError('EDVS_FORMAT_TABLE', 'the ??E reply lists no binary event format this driver understands', { field: '??E' })
  }
  return formats
}

function layoutFromDescription(text: string): EdvsLayout | undefined {
  const counts = /(\d+)\s*(?:(?:-|\.\.|to)\s*(\d+)\s*)?bytes?/i.exec(text)
  if (!counts) return undefined
  const low = Number(counts[1])
  const high = counts[2] === undefined ? low : Number(counts[2])
  if (low !== high || /delta|differential|since previous/i.test(text)) return low >= 3 ? DELTA : undefined
  switch (low) {
    case 2: return PLAIN
    case 4: return ABS16
    case 5: return ABS24
    case 6: return ABS32
    default: return undefined
  }
}

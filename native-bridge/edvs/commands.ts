import { SpikelabError } from '../../common/errors.js'
import type { EdvsFirmware } from './firmware.js'
import { maxCommandBytes } from './firmware.js'

/**
 * Typed command intents: the only way anything reaches an eDVS (§8 rule 1). There is deliberately
 * no intent for raw text, the bootloader (`P`/`pRog`) or baud changes.
 */
export type EdvsCommand =
  | { readonly kind: 'reset' }
  | { readonly kind: 'version' }
  | { readonly kind: 'listFormats' }
  | { readonly kind: 'echoOff' }
  | { readonly kind: 'setFormat'; readonly format: number }
  | { readonly kind: 'startEvents' }
  | { readonly kind: 'stopEvents' }
  | { readonly kind: 'resetTimestamp' }
  | { readonly kind: 'setBias'; readonly index: number; readonly value: number }
  | { readonly kind: 'flushBiases' }
  | { readonly kind: 'readBias'; readonly index: number }
  | { readonly kind: 'led'; readonly mode: 'off' | 'on' | 'blink' }

export interface CommandContext {
  readonly firmware: EdvsFirmware
  /** Format numbers the firmware listed in `??E`; `setFormat` must name one of them. */
  readonly formats?: readonly number[]
}

export const MAX_BIAS_INDEX = 11
export const MAX_BIAS_VALUE = 0xffffff

const LED_DIGIT = { off: '0', on: '1', blink: '2' } as const

/**
 * The command line (with its `\n`) for an intent on a firmware, or `undefined` when that firmware
 * has no such command (e.g. echo control on LPC2106 v1.1). Invalid arguments throw SpikelabError.
 */
export function buildCommand(cmd: EdvsCommand, ctx: CommandContext): string | undefined {
  const line = commandText(cmd, ctx)
  if (line === undefined) return undefined
  assertSafeCommand(line, ctx.firmware)
  return `${line}\n`
}

function commandText(cmd: EdvsCommand, ctx: CommandContext): string | undefined {
  switch (cmd.kind) {
    case 'reset': return 'R'
    case 'version': return '??'
    case 'listFormats': return '??E'
    case 'echoOff':
      if (ctx.firmware === 'edvs4337') return '!U0'
      if (ctx.firmware === 'lpc2106-v2.2') return '!S0'
      return undefined
    case 'setFormat':
      checkInt(cmd.format, 0, 99, 'format')
      if (ctx.formats && !ctx.formats.includes(cmd.format)) {
        throw new SpikelabError('EDVS_COMMAND', `format !E${cmd.format} is not in the firmware's list (${ctx.formats.map((f) => `!E${f}`).join(', ')})`, { field: 'format' })
      }
      return `!E${cmd.format}`
    case 'startEvents': return 'E+'
    case 'stopEvents': return 'E-'
    case 'resetTimestamp': return ctx.firmware === 'lpc2106-v1.1' ? undefined : '!ET0'
    case 'setBias':
      checkInt(cmd.index, 0, MAX_BIAS_INDEX, 'bias index')
      checkInt(cmd.value, 0, MAX_BIAS_VALUE, 'bias value')
      return `!B${cmd.index}=${cmd.value}`
    case 'flushBiases': return '!BF'
    case 'readBias':
      checkInt(cmd.index, 0, MAX_BIAS_INDEX, 'bias index')
      return `?B${cmd.index}`
    case 'led': {
      const digit = LED_DIGIT[cmd.mode]
      if (digit === undefined) throw new SpikelabError('EDVS_COMMAND', `LED mode must be off, on or blink, got '${String(cmd.mode)}'`, { field: 'led' })
      return ctx.firmware === 'edvs4337' ? `!L${digit}` : digit
    }
    default:
      throw new SpikelabError('EDVS_COMMAND', `unknown command kind '${(cmd as { kind: unknown }).kind}'`, { field: 'kind' })
  }
}

/** Last line of defence: printable ASCII only, never the bootloader, short enough for the board. */
export function assertSafeCommand(line: string, firmware: EdvsFirmware): void {
  if (!/^[\x21-\x7e]+$/.test(line)) {
    throw new SpikelabError('EDVS_COMMAND', `command ${JSON.stringify(line)} contains characters outside printable ASCII`, { field: 'command' })
  }
  if (line[0] === 'P' || line[0] === 'p') {
    throw new SpikelabError('EDVS_COMMAND', 'commands starting with P/p enter the bootloader and are never sent', { field: 'command' })
  }
  if (line.length + 1 > maxCommandBytes(firmware)) {
    throw new SpikelabError('EDVS_COMMAND', `command ${line} is longer than the ${maxCommandBytes(firmware)} bytes this firmware accepts`, { field: 'command' })
  }
}

function checkInt(v: number, min: number, max: number, field: string): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new SpikelabError('EDVS_COMMAND', `${field} must be an integer in ${min}..${max}, got ${v}`, { field })
  }
}

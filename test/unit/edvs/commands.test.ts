import { describe, expect, it } from 'vitest'
import { assertSafeCommand, buildCommand } from '../../../native-bridge/edvs/commands.js'
import { classifyBanner } from '../../../native-bridge/edvs/firmware.js'
import { parseFormatTable } from '../../../native-bridge/edvs/format-table.js'
import { EdvsEncoder, MAX_DELTA_US } from '../../../native-bridge/edvs/encoder.js'
import { ABS16, ABS24, ABS32, DELTA, PLAIN, formatFor } from '../../../native-bridge/edvs/formats.js'
import { SpikelabError } from '../../../common/errors.js'

const c4337 = { firmware: 'edvs4337' as const }

describe('buildCommand (whitelist, spec §2.1 and §8)', () => {
  it('maps intents to the per-firmware command lines', () => {
    expect(buildCommand({ kind: 'reset' }, c4337)).toBe('R\n')
    expect(buildCommand({ kind: 'echoOff' }, c4337)).toBe('!U0\n')
    expect(buildCommand({ kind: 'echoOff' }, { firmware: 'lpc2106-v2.2' })).toBe('!S0\n')
    expect(buildCommand({ kind: 'echoOff' }, { firmware: 'lpc2106-v1.1' })).toBeUndefined()
    expect(buildCommand({ kind: 'setBias', index: 11, value: 16_777_215 }, { firmware: 'lpc2106-v1.1' })).toBe('!B11=16777215\n')
    expect(buildCommand({ kind: 'led', mode: 'blink' }, c4337)).toBe('!L2\n')
    expect(buildCommand({ kind: 'led', mode: 'on' }, { firmware: 'lpc2106-v2.2' })).toBe('1\n')
    expect(buildCommand({ kind: 'setFormat', format: 4 }, { firmware: 'edvs4337', formats: [0, 1, 2, 3, 4] })).toBe('!E4\n')
    expect(buildCommand({ kind: 'startEvents' }, c4337)).toBe('E+\n')
    expect(buildCommand({ kind: 'readBias', index: 0 }, c4337)).toBe('?B0\n')
  })

  it('rejects out-of-range arguments with a SpikelabError naming the field', () => {
    const bad = [
      { kind: 'setBias', index: 12, value: 0 },
      { kind: 'setBias', index: 0, value: 16_777_216 },
      { kind: 'setBias', index: 1.5, value: 0 },
      { kind: 'readBias', index: -1 },
      { kind: 'led', mode: 'disco' },
      { kind: 'raw', text: 'P' },
    ] as const
    for (const cmd of bad) {
      const err = (() => {
        try {
          buildCommand(cmd as never, c4337)
        } catch (e) {
          return e
        }
      })()
      expect(err).toBeInstanceOf(SpikelabError)
      expect((err as SpikelabError).location.field).toBeDefined()
    }
    expect(() => buildCommand({ kind: 'setFormat', format: 5 }, { firmware: 'edvs4337', formats: [0, 2] })).toThrow(/!E5/)
  })

  it('never lets the bootloader, control characters or over-long lines through', () => {
    expect(() => assertSafeCommand('P', 'edvs4337')).toThrow(/bootloader/)
    expect(() => assertSafeCommand('pRog', 'edvs4337')).toThrow(/bootloader/)
    expect(() => assertSafeCommand('E+\nP', 'edvs4337')).toThrow(/printable/)
    expect(() => assertSafeCommand('!B1=123456789012', 'lpc2106-v1.1')).toThrow(/16 bytes/)
  })
})

describe('firmware identification and the ??E table', () => {
  it('classifies banners', () => {
    expect(classifyBanner('EDVS-4337 firmware V1.0\r\n')).toBe('edvs4337')
    expect(classifyBanner('meDVS128 STM32')).toBe('medvs128')
    expect(classifyBanner('EDVS128_LPC2106, V2.2')).toBe('lpc2106-v2.2')
    expect(classifyBanner('DVS128 - LPC2106/01 Interface Board, 1.1')).toBe('lpc2106-v1.1')
    expect(classifyBanner('hello')).toBe('unknown')
  })

  it('takes layouts from the byte counts in the ??E reply (spec §4.3)', () => {
    const reply = [
      '!E0   - 2 bytes per event binary 1yyyyyyy.pxxxxxxx (default)',
      '!E1   - 3..6 bytes per event (as above followed by delta timestamp 1us res)',
      '!E2   - 4 bytes per event (as above followed by 16bit timestamp 1us res)',
      '!E3   - 5 bytes per event (as above followed by 24bit timestamp 1us res)',
      '!E4   - 6 bytes per event (as above followed by 32bit timestamp 1us res)',
      '!E5   - 10 bytes per event, ASCII "polarity x y" + newline',
    ].join('\r\n')
    expect(parseFormatTable(reply)).toEqual([
      { command: 0, layout: PLAIN },
      { command: 1, layout: DELTA },
      { command: 2, layout: ABS16 },
      { command: 3, layout: ABS24 },
      { command: 4, layout: ABS32 },
    ])
    // Intermediate firmware: !E2 is the 24-bit, 5-byte format.
    expect(parseFormatTable('!E2 - 5 bytes per event (24bit timestamp)')).toEqual([{ command: 2, layout: ABS24 }])
    expect(() => parseFormatTable('nothing useful')).toThrow(SpikelabError)
  })

  it('knows the three numberings', () => {
    expect(formatFor('current', 2).layout).toEqual(ABS16)
    expect(formatFor('intermediate', 2).layout).toEqual(ABS24)
    expect(formatFor('lpc2106-v1.1', 1).layout).toEqual(ABS16)
    expect(formatFor('current', 1).layout).toEqual(DELTA)
  })
})

describe('EdvsEncoder', () => {
  const one = (t: number, x: number, y: number, p: number) => ({ t: Float64Array.of(t), x: Uint16Array.of(x), y: Uint16Array.of(y), p: Uint8Array.of(p) })

  it('writes the hand-computed bytes for each layout', () => {
    // y=5, x=7, ON (raw bit 0), t = 0x01020304
    const ev = one(0x01020304, 7, 5, 1)
    expect(Array.from(new EdvsEncoder(PLAIN).encode(ev))).toEqual([0x85, 0x07])
    expect(Array.from(new EdvsEncoder(ABS16).encode(ev))).toEqual([0x85, 0x07, 0x03, 0x04])
    expect(Array.from(new EdvsEncoder(ABS24).encode(ev))).toEqual([0x85, 0x07, 0x02, 0x03, 0x04])
    expect(Array.from(new EdvsEncoder(ABS32).encode(ev))).toEqual([0x85, 0x07, 0x01, 0x02, 0x03, 0x04])
    // delta 0x01020304 = 16909060 = 8·2^21 + 8·2^14 + 6·128 + 4 → 08 08 06 84
    expect(Array.from(new EdvsEncoder(DELTA).encode(ev))).toEqual([0x85, 0x07, 0x08, 0x08, 0x06, 0x84])
  })

  it('rejects events it cannot encode', () => {
    expect(() => new EdvsEncoder(ABS16).encode(one(1, 128, 0, 0))).toThrow(SpikelabError)
    expect(() => new EdvsEncoder(ABS16).encode(one(1.5, 1, 0, 0))).toThrow(/row 1/)
    expect(() => new EdvsEncoder(DELTA).encode(one(MAX_DELTA_US + 1, 1, 0, 0))).toThrow(/!E1/)
  })
})

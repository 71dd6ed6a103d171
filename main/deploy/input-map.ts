import { SpikelabError } from '../../common/errors.js'
import type { InputMap } from '../../native-bridge/engine/index.js'
import { size } from './linear-map.js'

/** How sensor addresses reach the network's input channels. */
export type InputMapping =
  /** Address i is input i (flat inputs such as MNIST's 784 pixels), or an explicit table. */
  | { readonly kind: 'table'; readonly countMax?: number; readonly channels?: Uint16Array }
  /**
   * Pooled DVS pixels (128×128×2 eDVS by default, any geometry): the address is
   * `x | y << xBits | p << (xBits + yBits)`; blocks of 2^poolShift pixels share an input channel.
   * Pool shifts and polarity split follow from an [H, W, P] network input unless given.
   */
  | {
      readonly kind: 'dvs-pool'
      readonly sensorW?: number
      readonly sensorH?: number
      readonly xBits?: number
      readonly yBits?: number
      readonly poolShiftX?: number
      readonly poolShiftY?: number
      readonly splitPolarity?: boolean
      readonly countMax?: number
    }

function bad(field: string, message: string): SpikelabError {
  return new SpikelabError('CAPACITY_IO', message, { field })
}

function countMaxOf(v: number | undefined, fallback: number): number {
  const c = v ?? fallback
  if (!Number.isInteger(c) || c < 1 || c > 15) throw bad('input.countMax', `count_max must be an integer from 1 to 15, got ${c}`)
  return c
}

/** The INPUT_MAP for a network whose input has `inputShape`, checked against it. */
export function buildInputMap(mapping: InputMapping | undefined, inputShape: readonly number[]): InputMap {
  const nInputs = size(inputShape)
  const m = mapping ?? { kind: 'table' }
  if (m.kind === 'table') {
    const channels = m.channels ?? Uint16Array.from({ length: nInputs }, (_, i) => i)
    channels.forEach((c, i) => {
      if (c !== 0xffff && c >= nInputs) throw bad(`input.channels[${i}]`, `channel ${c} is not below the ${nInputs} network inputs`)
    })
    return { kind: 'table', countMax: countMaxOf(m.countMax, 1), channels }
  }
  const sensorW = m.sensorW ?? 128
  const sensorH = m.sensorH ?? 128
  const bitsFor = (n: number) => Math.max(1, Math.ceil(Math.log2(n)))
  const xBits = m.xBits ?? bitsFor(sensorW)
  const yBits = m.yBits ?? bitsFor(sensorH)
  if (2 ** xBits < sensorW || 2 ** yBits < sensorH || xBits + yBits + 1 > 16) {
    throw bad('input', `a ${sensorW}×${sensorH} sensor needs x/y fields of ${bitsFor(sensorW)}/${bitsFor(sensorH)} bits within 15 address bits, got ${xBits}/${yBits}`)
  }
  let { poolShiftX, poolShiftY } = m
  let split = m.splitPolarity
  if (inputShape.length === 3) {
    const [ph, pw, p] = inputShape
    if (split === undefined) split = p === 2
    if ((split ? 2 : 1) !== p) throw bad('input.splitPolarity', `the network input has ${p} channel(s) per pooled pixel, the map gives ${split ? 2 : 1}`)
    poolShiftX ??= shiftFor(sensorW, pw, 'x')
    poolShiftY ??= shiftFor(sensorH, ph, 'y')
  }
  if (poolShiftX === undefined || poolShiftY === undefined) throw bad('input', 'a flat network input needs poolShiftX and poolShiftY for a DVS input map')
  const P = split ? 2 : 1
  const channels = Math.ceil(sensorW / 2 ** poolShiftX) * Math.ceil(sensorH / 2 ** poolShiftY) * P
  if (channels !== nInputs) throw bad('input', `the DVS pool gives ${channels} input channels, the network takes ${nInputs}`)
  return { kind: 'dvs-pool', countMax: countMaxOf(m.countMax, 15), sensorW, sensorH, xBits, yBits, poolShiftX, poolShiftY, splitPolarity: split ? 1 : 0 }
}

function shiftFor(sensor: number, pooled: number, axis: string): number {
  for (let s = 0; s <= 15; s++) if (Math.ceil(sensor / 2 ** s) === pooled) return s
  throw bad(`input.poolShift${axis.toUpperCase()}`, `no power-of-two pooling maps ${sensor} sensor pixels onto ${pooled} network inputs along ${axis}`)
}

/** Sensor address of a DVS event under a dvs-pool map (the spec's `x | y << x_bits | p << …`). */
export function dvsAddress(map: Extract<InputMap, { kind: 'dvs-pool' }>, x: number, y: number, p: number): number {
  return x | (y << map.xBits) | ((p & 1) << (map.xBits + map.yBits))
}

/** Human-readable summary of an input map, for reports. */
export function describeInputMap(map: InputMap): string {
  if (map.kind === 'table') return `TABLE of ${map.channels.length} addresses, count_max ${map.countMax}`
  return `DVS_POOL ${map.sensorW}×${map.sensorH} (x ${map.xBits} bits, y ${map.yBits} bits) pooled by 2^${map.poolShiftX}×2^${map.poolShiftY}, ${map.splitPolarity ? 'polarities split' : 'polarities merged'}, count_max ${map.countMax}`
}

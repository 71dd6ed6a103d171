/**
 * The person's sensor settings (Devices view), remembered in localStorage: what `sensor.connect`
 * gets (format, baud, flow control, orientation) and what `sensor.configure` applies while
 * connected (biases by whitelist index, LED). Values are typed; nothing here is command text.
 */
import { reactive, watch } from 'vue'
import type { RequestParams, SensorOrientation, SensorSettings } from '../../../common/contract/schemas'

/** eDVS bias names by `!B<i>` index and libcaer's "DVS128 Fast" defaults (edvs-serial.md §3). */
export const BIASES: ReadonlyArray<{ index: number; name: string; default: number }> = [
  { index: 0, name: 'cas', default: 1992 },
  { index: 1, name: 'injGnd', default: 1108364 },
  { index: 2, name: 'reqPd', default: 16777215 },
  { index: 3, name: 'puX', default: 8159221 },
  { index: 4, name: 'diffOff', default: 132 },
  { index: 5, name: 'req', default: 309590 },
  { index: 6, name: 'refr', default: 969 },
  { index: 7, name: 'puY', default: 16777215 },
  { index: 8, name: 'diffOn', default: 209996 },
  { index: 9, name: 'diff', default: 13125 },
  { index: 10, name: 'foll', default: 271 },
  { index: 11, name: 'pr', default: 217 },
]
export const MAX_BIAS = 0xffffff

/** Event formats with their sizes on the wire (§4.1); the driver checks them against `??E`. */
export const FORMATS = [
  { value: null, label: 'Automatic (widest timestamp the firmware lists)' },
  { value: 0, label: '!E0 · 2 B, no timestamp' },
  { value: 1, label: '!E1 · 3–6 B, delta timestamp' },
  { value: 2, label: '!E2 · 4 B, 16-bit timestamp' },
  { value: 3, label: '!E3 · 5 B, 24-bit timestamp' },
  { value: 4, label: '!E4 · 6 B, 32-bit timestamp' },
] as const

export const BAUDS = [2_000_000, 4_000_000, 8_000_000, 12_000_000] as const

interface Stored {
  format: number | null
  baud: number
  rtscts: boolean
  orientation: Required<SensorOrientation>
  biases: number[]
  led: 'off' | 'on' | 'blink'
}

const KEY = 'spikelab.sensorSettings'

function defaults(): Stored {
  return {
    format: null,
    baud: 4_000_000,
    rtscts: true,
    orientation: { flipX: false, flipY: false, swapXY: false, invertPolarity: false },
    biases: BIASES.map((b) => b.default),
    led: 'off',
  }
}

function load(): Stored {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<Stored> | null
    const d = defaults()
    if (!saved) return d
    return {
      ...d,
      ...saved,
      orientation: { ...d.orientation, ...saved.orientation },
      biases: Array.isArray(saved.biases) && saved.biases.length === BIASES.length ? saved.biases.map((v, i) => (isBias(v) ? v : d.biases[i])) : d.biases,
    }
  } catch {
    return defaults()
  }
}

export const sensorSettings = reactive<Stored>(load())
watch(sensorSettings, (s) => localStorage.setItem(KEY, JSON.stringify(s)), { deep: true })

export function isBias(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_BIAS
}

/** What `sensor.connect` gets besides the device; the baud and flow control matter only for serial ports. */
export function connectOptions(device: string): Omit<RequestParams<'sensor.connect'>, 'device'> {
  const serial = device !== 'sim:edvs'
  return {
    ...(sensorSettings.format === null ? {} : { format: sensorSettings.format }),
    ...(serial ? { baud: sensorSettings.baud, rtscts: sensorSettings.rtscts } : {}),
    orientation: { ...sensorSettings.orientation },
  }
}

/** The `sensor.configure` request for the current biases and LED. */
export function configureParams(): SensorSettings {
  return { biases: sensorSettings.biases.map((value, index) => ({ index, value })), led: sensorSettings.led }
}

export function resetBiases(): void {
  sensorSettings.biases = BIASES.map((b) => b.default)
}

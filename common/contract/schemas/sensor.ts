/** The connected DVS sensor: connection, live stream and recording. */
import { z } from 'zod'
import { Empty } from './common.js'
import { RecordingEntry } from './recordings.js'

export const SensorStatus = z.object({
  state: z.enum(['disconnected', 'connecting', 'streaming', 'lost']),
  /** 'sim:edvs' or a serial port path. */
  device: z.string().nullable(),
  firmware: z.string().nullable(),
  /** eDVS event format in use, e.g. "!E4". */
  format: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  events: z.number(),
  eventsPerSecond: z.number(),
  /** Bytes the parser had to skip to stay in sync (garbage, dropped bytes). */
  droppedBytes: z.number(),
  /** Events not drawn because the display could not keep up (they are still recorded). */
  decimatedForDisplay: z.number(),
  losses: z.number().int(),
  lastError: z.string().nullable(),
  /** The recording in progress (AEDAT 4, crash-safe), or null. */
  recording: z.object({ path: z.string(), events: z.number(), bytes: z.number(), elapsedS: z.number() }).nullable(),
})
export type SensorStatus = z.infer<typeof SensorStatus>

/** The simulator, or a serial port: any absolute path without "..", since ports are often symlinks (/dev/serial/by-id, socat links). */
const DevicePath = z
  .string()
  .min(1)
  .max(512)
  .refine((d) => d === 'sim:edvs' || /^(?!.*\.\.)(\/[\w./-]+|COM\d+|\\\\\.\\COM\d+)$/.test(d), "must be 'sim:edvs' or a serial port path")

export const sensorRequests = {
  'sensor.connect': {
    params: z
      .object({
        device: DevicePath,
        baud: z.number().int().min(9600).max(12_000_000).optional(),
        scene: z.enum(['moving-bar', 'rotating-dot']).optional(),
        eventsPerSecond: z.number().int().min(1000).max(10_000_000).optional(),
        rtscts: z.boolean().optional(),
      })
      .strict(),
    result: SensorStatus,
  },
  'sensor.disconnect': { params: Empty, result: SensorStatus },
  'sensor.status': { params: Empty, result: SensorStatus },
  /** Starts recording every event of the connected sensor to a new AEDAT 4 file in the lab folder. */
  'sensor.recordStart': { params: Empty, result: SensorStatus },
  /** Stops recording; the file is closed, indexed, and added to the library. */
  'sensor.recordStop': { params: Empty, result: z.object({ status: SensorStatus, recording: RecordingEntry }) },
  /** Opens a binary stream of the sensor's live events (coalesced at display rate, decimated if the client lags). */
  'sensor.live': { params: Empty, result: z.object({ streamId: z.number().int() }) },
} as const

export const sensorEvents = {
  'sensor.status': SensorStatus,
} as const

/** The connected DVS sensor: connection, live stream and recording. */
import { z } from 'zod'
import { Empty } from './common.js'
import { RecordingEntry } from './recordings.js'

/** What a binned live stream folds at (common/contract/live-bins.ts): the view's decay and raster time per column. */
export const LiveBinSettings = z
  .object({
    decayUs: z.number().positive().max(60_000_000),
    usPerColumn: z.number().positive().max(60_000_000),
  })
  .strict()

export const SensorStatus = z.object({
  /**
   * 'suspect': streaming, but no data for longer than the heartbeat; the port is kept open and read
   * and the state returns to 'streaming' when data arrives (nothing lost). 'lost': the port failed,
   * vanished, or stayed silent far longer; it is reopened by itself (edvs-serial.md §10.4).
   */
  state: z.enum(['disconnected', 'connecting', 'streaming', 'suspect', 'lost']),
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
  /** Silent spells (state 'suspect') since connecting; unlike losses they cost no events. */
  suspects: z.number().int().optional(),
  lastError: z.string().nullable(),
  /** The recording in progress (AEDAT 4, crash-safe), or null. */
  recording: z.object({ path: z.string(), events: z.number(), bytes: z.number(), elapsedS: z.number() }).nullable(),
  /** Holes in the stream since connecting (lost link, skipped bytes); each is marked in a recording. */
  gaps: z.number().int().optional(),
  /** The most recent hole: what happened, how long it lasted, what was probably lost. */
  lastGap: z
    .object({
      kind: z.enum(['link-lost', 'dropped-bytes']),
      durationUs: z.number(),
      droppedBytes: z.number(),
      lostEventsEstimate: z.number(),
      reason: z.string(),
    })
    .nullable()
    .optional(),
})
export type SensorStatus = z.infer<typeof SensorStatus>

/** The simulator, or a serial port: any absolute path without "..", since ports are often symlinks (/dev/serial/by-id, socat links). */
const DevicePath = z
  .string()
  .min(1)
  .max(512)
  .refine((d) => d === 'sim:edvs' || /^(?!.*\.\.)(\/[\w./-]+|COM\d+|\\\\\.\\COM\d+)$/.test(d), "must be 'sim:edvs' or a serial port path")

/** Host-side mapping of raw eDVS addresses (edvs-serial.md §7); defaults follow libcaer. */
export const SensorOrientation = z
  .object({ flipX: z.boolean(), flipY: z.boolean(), swapXY: z.boolean(), invertPolarity: z.boolean() })
  .partial()
  .strict()
export type SensorOrientation = z.infer<typeof SensorOrientation>

/** Whitelisted settings (edvs-serial.md §8 rule 1): typed values only, never command text. */
export const SensorSettings = z
  .object({
    biases: z
      .array(z.object({ index: z.number().int().min(0).max(11), value: z.number().int().min(0).max(0xffffff) }).strict())
      .min(1)
      .max(12)
      .optional(),
    led: z.enum(['off', 'on', 'blink']).optional(),
  })
  .strict()
export type SensorSettings = z.infer<typeof SensorSettings>

export const sensorRequests = {
  'sensor.connect': {
    params: z
      .object({
        device: DevicePath,
        /** 0 = an unpaced link, faster than any serial line (simulated sensor only: load tests). */
        baud: z.number().int().min(0).max(12_000_000).refine((b) => b === 0 || b >= 9600, 'must be ≥ 9600 (or 0 for the simulator)').optional(),
        scene: z.enum(['moving-bar', 'rotating-dot']).optional(),
        eventsPerSecond: z.number().int().min(1000).max(10_000_000).optional(),
        rtscts: z.boolean().optional(),
        /** `!E<n>` to use (0–4); default: the widest timestamped format the firmware lists. */
        format: z.number().int().min(0).max(4).optional(),
        orientation: SensorOrientation.optional(),
      })
      .strict()
      .refine((p) => p.baud !== 0 || p.device === 'sim:edvs', { message: 'baud 0 (unpaced) is only for the simulated sensor', path: ['baud'] }),
    result: SensorStatus,
  },
  /** Applies biases (then `!BF`) and the LED on the connected sensor. */
  'sensor.configure': { params: SensorSettings, result: SensorStatus },
  'sensor.disconnect': { params: Empty, result: SensorStatus },
  'sensor.status': { params: Empty, result: SensorStatus },
  /** Starts recording every event of the connected sensor to a new AEDAT 4 file in the lab folder. */
  'sensor.recordStart': { params: Empty, result: SensorStatus },
  /** Stops recording; the file is closed, indexed, and added to the library. */
  'sensor.recordStop': { params: Empty, result: z.object({ status: SensorStatus, recording: RecordingEntry }) },
  /**
   * Opens a binary stream of the sensor's live events (coalesced at display rate, decimated if the
   * client lags), or with `bins` of pre-binned updates for a live view (binary frame kind 4: per-pixel
   * activity at the view's decay, raster counts at its time per column; never decimated).
   */
  'sensor.live': { params: z.object({ bins: LiveBinSettings.optional() }).strict(), result: z.object({ streamId: z.number().int() }) },
  /**
   * Credit for a live stream: the client has consumed `frames` more of its frames. A client that
   * acknowledges gets at most a few frames in flight (bounded display lag; the host coalesces
   * meanwhile, and decimates the oldest events when it holds too many); one that never does is
   * limited by its connection's congestion only.
   */
  'sensor.liveAck': {
    params: z
      .object({
        streamId: z.number().int().nonnegative(),
        frames: z.number().int().positive().max(100_000),
        /** A binned stream's current settings (changed decay or zoom), for its next updates. */
        bins: LiveBinSettings.optional(),
      })
      .strict(),
    result: z.object({ acknowledged: z.boolean() }),
  },
} as const

export const sensorEvents = {
  'sensor.status': SensorStatus,
} as const

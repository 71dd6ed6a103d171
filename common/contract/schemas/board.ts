/** The neuromorphic board: connection (board link v1), CAPS, live health, and running a model on it. */
import { z } from 'zod'
import { AbsolutePath, Empty } from './common.js'

/** Slot modes of board-link §7.2 (0xFF = none). */
export const SlotModeName = z.enum(['test', 'confirmed', 'staged', 'none'])
export type SlotModeName = z.infer<typeof SlotModeName>

export const RunStateName = z.enum(['no-model', 'stopped', 'running', 'fault'])
export type RunStateName = z.infer<typeof RunStateName>

/** What the board said in CAPS (§7.2): firmware, limits, the active model. */
export const BoardCaps = z.object({
  protoVer: z.number().int(),
  firmware: z.string(),
  boardId: z.string(),
  serial: z.string(),
  simulated: z.boolean(),
  bootCount: z.number().int(),
  linkBaud: z.number().int(),
  maxFrame: z.number().int(),
  tickUsDefault: z.number().int(),
  limits: z.object({
    maxNeurons: z.number().int(),
    maxSynapseBytes: z.number().int(),
    maxLayers: z.number().int(),
    maxFanin: z.number().int(),
    maxFanout: z.number().int(),
    maxInputs: z.number().int(),
    maxOutputs: z.number().int(),
    slotSize: z.number().int(),
    nSlots: z.number().int(),
    inQueue: z.number().int(),
    outQueue: z.number().int(),
    chunkMax: z.number().int(),
    pageSize: z.number().int(),
  }),
  /** Capability names from the `caps` bits (HOT_DEPLOY, SELFTEST, …). */
  features: z.array(z.string()),
  activeSlot: z.number().int().nullable(),
  activeMode: SlotModeName,
  activeModelSeq: z.number().int(),
  /** SHA-256 of the active image (hex), null when the board has none. */
  activeSha256: z.string().nullable(),
  runState: RunStateName,
  /** A deploy the board journaled but did not finish: the next deploy of that blob resumes here. */
  partial: z.object({ deployId: z.string(), verifiedOffset: z.number().int(), totalSize: z.number().int() }).nullable(),
})
export type BoardCaps = z.infer<typeof BoardCaps>

/** Link health (§10, §12.1): pushed twice a second while connected. */
export const BoardHealth = z.object({
  /** ms since the last HEARTBEAT from the device; null before the first. */
  heartbeatAgeMs: z.number().nullable(),
  /** Frames received by the host, and those it discarded (CRC, COBS, length). */
  rxFrames: z.number().int(),
  crcErrors: z.number().int(),
  seqGaps: z.number().int(),
  /** Device counters from its last HEARTBEAT. */
  deviceCrcErrors: z.number().int(),
  inLost: z.number().int(),
  inDropped: z.number().int(),
  inLate: z.number().int(),
  inUnmapped: z.number().int(),
  outDropped: z.number().int(),
  tickOverruns: z.number().int(),
  tick: z.number().int(),
  testPending: z.boolean(),
  /** Events the host did not send because the link could not carry them (counted drop-oldest). */
  hostDropped: z.number().int(),
  eventsInPerSecond: z.number(),
  spikesOutPerSecond: z.number(),
})
export type BoardHealth = z.infer<typeof BoardHealth>

export const BoardRunInfo = z.object({
  source: z.enum(['sensor', 'recording']),
  /** Recording path when the source is a recording. */
  path: z.string().nullable(),
  startedAt: z.number(),
  eventsSent: z.number().int(),
  spikes: z.number().int(),
  /** The CSV the board's output spikes are written to, or null. */
  recordingPath: z.string().nullable(),
})
export type BoardRunInfo = z.infer<typeof BoardRunInfo>

export const BoardStatus = z.object({
  state: z.enum(['disconnected', 'connecting', 'connected', 'suspect', 'lost']),
  /** 'sim:board' or a serial port path. */
  device: z.string().nullable(),
  caps: BoardCaps.nullable(),
  health: BoardHealth,
  /** Output labels of the active model (from its METADATA), id = position; empty when unknown. */
  labels: z.array(z.string()),
  run: BoardRunInfo.nullable(),
  losses: z.number().int(),
  lastError: z.string().nullable(),
  /**
   * A board on a USB port the system lists with vendor id, product id and serial number is followed
   * by that identity (board-link.md §12.1): after an unplug it is found again, possibly under
   * another path, and the link re-handshakes by itself. Null for ptys, unlisted ports, the simulator.
   */
  rediscovery: z
    .object({
      vendorId: z.string().nullable(),
      productId: z.string().nullable(),
      serialNumber: z.string().nullable(),
      /** The path in use now (it may differ from `device` after a replug). */
      path: z.string().nullable(),
      /** Times the port was found and opened again after a loss. */
      reconnects: z.number().int(),
    })
    .nullable()
    .optional(),
})
export type BoardStatus = z.infer<typeof BoardStatus>

/** The decoded output while running: spike counts per output over the last window, and the winner. */
export const BoardOutput = z.object({
  tick: z.number().int(),
  windowMs: z.number(),
  counts: z.array(z.number().int()),
  /** Index of the output with the most spikes in the window, or null when none spiked. */
  winner: z.number().int().nullable(),
  label: z.string().nullable(),
  /** Share of the window's spikes that went to the winner, 0–1. */
  score: z.number(),
})
export type BoardOutput = z.infer<typeof BoardOutput>

const BoardDevice = z
  .string()
  .min(1)
  .max(512)
  .refine((d) => d === 'sim:board' || /^(?!.*\.\.)(\/[\w./-]+|COM\d+|\\\\\.\\COM\d+)$/.test(d), "must be 'sim:board' or a serial port path")

export const boardRequests = {
  'board.connect': {
    params: z.object({ device: BoardDevice, baud: z.number().int().min(9600).max(12_000_000).optional() }).strict(),
    result: BoardStatus,
  },
  'board.disconnect': { params: Empty, result: BoardStatus },
  'board.status': { params: Empty, result: BoardStatus },
  /** Streams the connected sensor's events (or a recording) into the board as EVENTS_IN and runs it. */
  'board.run': {
    params: z
      .object({
        source: z.enum(['sensor', 'recording']),
        /** The recording to replay (source 'recording'). */
        path: AbsolutePath.optional(),
        /** Write the board's output spikes to a CSV in the lab's recordings folder. */
        record: z.boolean().optional(),
      })
      .strict(),
    result: BoardStatus,
  },
  'board.stop': { params: Empty, result: BoardStatus },
  /** Opens a binary stream of the board's output spikes (t = tick·tick_us in µs, neuron = output id). */
  'board.spikes': { params: Empty, result: z.object({ streamId: z.number().int() }) },
} as const

export const boardEvents = {
  'board.status': BoardStatus,
  'board.output': BoardOutput,
} as const

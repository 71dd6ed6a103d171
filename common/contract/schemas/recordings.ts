/** The recording library: catalog entries, queries, import, playback windows and conversion. */
import { z } from 'zod'
import { AbsolutePath, Empty, JobStarted } from './common.js'

export const RecordingEntry = z.object({
  id: z.number().int(),
  path: z.string(),
  format: z.string(),
  sensor: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  eventCount: z.number().int(),
  onCount: z.number().int(),
  offCount: z.number().int(),
  firstTimestampUs: z.number().nullable(),
  lastTimestampUs: z.number().nullable(),
  durationUs: z.number(),
  sizeBytes: z.number().int(),
  modifiedAt: z.number(),
  fingerprint: z.string(),
  addedAt: z.number(),
  tags: z.array(z.string()),
  notes: z.string(),
  missing: z.boolean(),
  hasThumbnail: z.boolean(),
})
export type RecordingEntry = z.infer<typeof RecordingEntry>

export const RecordingQuery = z
  .object({
    text: z.string().max(500).optional(),
    format: z.string().max(32).optional(),
    sensor: z.string().max(200).optional(),
    tag: z.string().max(64).optional(),
    minDurationUs: z.number().nonnegative().optional(),
    maxDurationUs: z.number().nonnegative().optional(),
    minEvents: z.number().int().nonnegative().optional(),
    includeMissing: z.boolean().optional(),
    sortBy: z.enum(['addedAt', 'path', 'format', 'durationUs', 'eventCount', 'modifiedAt', 'sizeBytes']).optional(),
    descending: z.boolean().optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
    offset: z.number().int().nonnegative().optional(),
  })
  .strict()
export type RecordingQuery = z.infer<typeof RecordingQuery>

export const RescanReport = z.object({
  checked: z.number().int(),
  moved: z.array(z.object({ from: z.string(), to: z.string() })),
  missing: z.array(z.string()),
  changed: z.array(z.string()),
  reappeared: z.array(z.string()),
})

export const recordingRequests = {
  'recordings.list': {
    params: RecordingQuery,
    result: z.object({ entries: z.array(RecordingEntry), formats: z.array(z.string()), tags: z.array(z.string()) }),
  },
  'recordings.update': {
    params: z.object({ id: z.number().int(), tags: z.array(z.string().max(64)).max(100).optional(), notes: z.string().max(10_000).optional() }).strict(),
    result: RecordingEntry,
  },
  /** What an event file is, read streaming (it need not be in the library). */
  'recordings.info': {
    params: z.object({ path: AbsolutePath }).strict(),
    result: z.object({
      format: z.string(), sensor: z.string().nullable(), width: z.number().int().nullable(), height: z.number().int().nullable(),
      eventCount: z.number().int(), onCount: z.number().int(), offCount: z.number().int(),
      firstTimestampUs: z.number().nullable(), lastTimestampUs: z.number().nullable(),
    }),
  },
  'recordings.remove': { params: z.object({ id: z.number().int() }).strict(), result: z.object({ removed: z.boolean() }) },
  'recordings.thumbnail': { params: z.object({ id: z.number().int() }).strict(), result: z.object({ pngBase64: z.string().nullable() }) },
  /** Starts an import job (files and folders, in place or copied into the lab folder). */
  'recordings.import': { params: z.object({ paths: z.array(AbsolutePath).min(1).max(1000), copy: z.boolean() }).strict(), result: JobStarted },
  'recordings.rescan': { params: Empty, result: RescanReport },
  /**
   * Events of a recording in [fromUs, toUs) (the sensor's own time) for playback: the reply names a
   * stream on which one binary event frame follows.
   */
  'recordings.window': {
    params: z.object({ id: z.number().int(), fromUs: z.number(), toUs: z.number() }).strict(),
    result: z.object({ streamId: z.number().int(), events: z.number().int() }),
  },
  /** Starts a conversion job (streaming; the output appears only when complete). */
  'recordings.convert': {
    params: z
      .object({
        input: AbsolutePath,
        output: AbsolutePath,
        format: z.enum(['evt2', 'evt21', 'evt3', 'dat', 'nmnist', 'aedat2', 'aedat3', 'aedat4', 'csv', 'npy']).optional(),
        fromUs: z.number().nonnegative().optional(),
        toUs: z.number().positive().optional(),
      })
      .strict(),
    result: JobStarted,
  },
} as const

/** App, devices, jobs and streams: the lab's own housekeeping. */
import { z } from 'zod'
import { Empty } from './common.js'

export const PortInfo = z.object({
  path: z.string(),
  manufacturer: z.string().nullable(),
  vendorId: z.string().nullable(),
  productId: z.string().nullable(),
  serialNumber: z.string().nullable(),
  pnpId: z.string().nullable(),
})
export type PortInfo = z.infer<typeof PortInfo>

export const SimulatedDevice = z.object({
  id: z.string(),
  kind: z.enum(['sensor', 'board']),
  name: z.string(),
  description: z.string(),
})
export type SimulatedDevice = z.infer<typeof SimulatedDevice>

export const DeviceList = z.object({
  ports: z.array(PortInfo),
  simulated: z.array(SimulatedDevice),
  /** Why the port listing failed or is partial (e.g. no udev); null when it worked. */
  listError: z.string().nullable(),
  /** When the list was taken, ms since the epoch. */
  listedAt: z.number(),
})
export type DeviceList = z.infer<typeof DeviceList>

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  shell: z.enum(['electron', 'host']),
  node: z.string(),
  platform: z.string(),
  labFolder: z.string(),
  /** TensorFlow.js backend for training, e.g. "wasm (SIMD)"; null until the training service has loaded. */
  computeBackend: z.string().nullable(),
})
export type AppInfo = z.infer<typeof AppInfo>

export const AppMetrics = z.object({
  rssBytes: z.number(),
  heapUsedBytes: z.number(),
  uptimeSeconds: z.number(),
})
export type AppMetrics = z.infer<typeof AppMetrics>

export const JobState = z.enum(['running', 'done', 'failed', 'cancelled'])
export type JobState = z.infer<typeof JobState>

export const JobInfo = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  state: JobState,
  /** Fraction done in [0, 1], or null when unknown. */
  progress: z.number().min(0).max(1).nullable(),
  message: z.string(),
  /** Seconds to completion estimated from progress so far, or null. */
  etaSeconds: z.number().nullable(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  error: z.string().nullable(),
})
export type JobInfo = z.infer<typeof JobInfo>

export const appRequests = {
  'app.info': { params: Empty, result: AppInfo },
  'app.metrics': { params: Empty, result: AppMetrics },
  'devices.list': { params: z.object({ refresh: z.boolean().optional() }).strict(), result: DeviceList },
  'jobs.list': { params: Empty, result: z.array(JobInfo) },
  'jobs.cancel': { params: z.object({ jobId: z.string().min(1).max(64) }).strict(), result: z.object({ cancelled: z.boolean() }) },
  'streams.close': { params: z.object({ streamId: z.number().int().nonnegative() }).strict(), result: z.object({ closed: z.boolean() }) },
} as const

export const appEvents = {
  'jobs.update': JobInfo,
  'devices.changed': DeviceList,
} as const

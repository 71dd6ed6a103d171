/**
 * The lab: every service behind LabApi, wired once and served by either shell.
 */
import { mkdirSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { SpikelabError } from '../../common/errors.js'
import { convertEventFile, targetFromFileName } from '../events/index.js'
import { DevicesService, type PortLister } from './devices.js'
import { JobRegistry } from './jobs.js'
import { LabServer, type RequestHandlers } from './lab-server.js'
import { packageInfo } from './package-info.js'
import { RecordingCatalog } from './recordings/catalog.js'
import { RecordingLibrary } from './recordings/library.js'
import { PlaybackCache } from './recordings/playback-cache.js'
import { summarizeEventFile } from './recordings/summarize.js'
import { AnalysisService } from './analysis/analysis-service.js'
import { TrainingService } from './training/training-service.js'
import { SensorSession } from './sensor/sensor-session.js'
import { listSerialPorts } from './serial-ports.js'
import { encodeEventFrame } from '../../common/contract/binary-frames.js'

export interface LabOptions {
  readonly shell: 'electron' | 'host'
  /** Folder for recordings, the catalog and models; created when missing. */
  readonly labFolder: string
  /** Port lister (tests inject one; the default asks the operating system). */
  readonly listPorts?: PortLister
}

export interface Lab {
  readonly server: LabServer
  readonly jobs: JobRegistry
  readonly devices: DevicesService
  readonly recordings: RecordingLibrary
  readonly sensor: SensorSession
  dispose(): Promise<void>
}

export function defaultLabFolder(): string {
  return process.env.SPIKELAB_LAB_FOLDER ?? path.join(os.homedir(), 'Spikelab')
}

export function createLab(options: LabOptions): Lab {
  mkdirSync(options.labFolder, { recursive: true })
  const pkg = packageInfo()
  const devices = new DevicesService(options.listPorts ?? listSerialPorts)
  const catalog = new RecordingCatalog(path.join(options.labFolder, 'catalog.sqlite'))
  const recordings = new RecordingLibrary(options.labFolder, catalog)
  const playback = new PlaybackCache()
  // The server is created after the handlers, which need it only for broadcasts.
  let server: LabServer | null = null
  const jobs = new JobRegistry((info) => server?.broadcast('jobs.update', info))
  const sensor = new SensorSession((status) => server?.broadcast('sensor.status', status))
  const analysis = new AnalysisService(jobs)
  let computeBackend: string | null = null
  const training = new TrainingService(
    options.labFolder,
    jobs,
    (run) => server?.broadcast('training.update', run),
    (backend) => (computeBackend = backend),
  )

  const handlers: RequestHandlers = {
    'app.info': async () => ({
      name: 'Spikelab',
      version: pkg.version,
      shell: options.shell,
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      labFolder: options.labFolder,
      computeBackend,
    }),
    'app.metrics': async () => {
      // Diagnostics runs (node --expose-gc) collect first, so successive figures are comparable.
      ;(globalThis as { gc?: () => void }).gc?.()
      const mem = process.memoryUsage()
      return { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, uptimeSeconds: process.uptime() }
    },
    'devices.list': async ({ refresh }) => {
      const list = await devices.list(refresh ?? false)
      if (refresh) server?.broadcast('devices.changed', list)
      return list
    },
    'jobs.list': async () => jobs.list(),
    'jobs.cancel': async ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    'recordings.list': async (query) => ({ entries: catalog.list(query), formats: catalog.distinct('format'), tags: catalog.distinct('tag') }),
    'recordings.update': async ({ id, tags, notes }) => {
      if (tags !== undefined) catalog.setTags(id, tags)
      if (notes !== undefined) catalog.setNotes(id, notes)
      const entry = catalog.get(id)
      if (!entry) throw new SpikelabError('not-found', `no recording with id ${id} in the catalog`, { field: 'id' })
      return entry
    },
    'recordings.info': async ({ path: file }) => (await summarizeEventFile(file)).summary,
    'recordings.remove': async ({ id }) => ({ removed: catalog.remove(id) }),
    'recordings.thumbnail': async ({ id }) => ({ pngBase64: catalog.thumbnail(id)?.toString('base64') ?? null }),
    'recordings.import': async ({ paths, copy }) => {
      const job = jobs.start('recordings.import', `Import ${paths.length === 1 ? path.basename(paths[0]) : `${paths.length} items`}`, async (ctx) => {
        const report = await recordings.importPaths(paths, {
          copy,
          signal: ctx.signal,
          onProgress: (done, total, current) =>
            ctx.progress({ fraction: total ? done / total : null, message: current ? `Reading ${path.basename(current)} (${done + 1} of ${total})` : '' }),
        })
        ctx.progress({ fraction: 1, message: describeImport(report) })
        return report
      })
      return { jobId: job.id }
    },
    'recordings.rescan': async () => recordings.rescan(),
    'recordings.window': async ({ id, fromUs, toUs }, session) => {
      const entry = catalog.get(id)
      if (!entry) throw new SpikelabError('not-found', `no recording with id ${id} in the catalog`, { field: 'id' })
      const batch = await playback.window(entry.path, entry.format, fromUs, toUs)
      const stream = session.openStream(() => undefined)
      // The frame follows the reply (a macrotask later), so the client knows the stream id first.
      setTimeout(() => {
        stream.send(encodeEventFrame(stream.streamId, batch))
        session.closeStream(stream.streamId)
      }, 0)
      return { streamId: stream.streamId, events: batch.t.length }
    },
    'recordings.convert': async ({ input, output, format, fromUs, toUs }) => {
      const target = format ?? targetFromFileName(output)
      if (!target) throw new SpikelabError('convert-format', `give a format: '${path.basename(output)}' does not say which`, { field: 'format' })
      const job = jobs.start('recordings.convert', `Convert ${path.basename(input)} to ${target}`, async (ctx) => {
        const result = await convertEventFile(input, output, {
          target, fromUs, toUs, signal: ctx.signal,
          onProgress: (fraction, events) => ctx.progress({ fraction, message: `${events.toLocaleString('en-US')} events written` }),
        })
        ctx.progress({ fraction: 1, message: `Wrote ${result.events.toLocaleString('en-US')} events to ${path.basename(output)}` })
      })
      return { jobId: job.id }
    },
    'sensor.connect': async (params) => sensor.connect(params),
    'sensor.disconnect': async () => sensor.disconnect(),
    'sensor.status': async () => sensor.current(),
    'sensor.recordStart': async () => {
      await mkdir(recordings.recordingsFolder, { recursive: true })
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
      return sensor.startRecording(path.join(recordings.recordingsFolder, `rec-${stamp}.aedat4`))
    },
    'sensor.recordStop': async () => {
      const { path: file } = sensor.stopRecording()
      const recording = await recordings.importFile(file)
      return { status: sensor.current(), recording }
    },
    'sensor.live': async (_params, session) => {
      let removeViewer = () => {}
      const stream = session.openStream(() => removeViewer())
      removeViewer = sensor.hub.add({ send: (batch) => stream.send(encodeEventFrame(stream.streamId, batch)) })
      return { streamId: stream.streamId }
    },
    'analysis.open': async ({ path: file }) => analysis.open(file),
    'analysis.classify': async ({ path: file, ...options }) => ({ jobId: analysis.classify(file, options) }),
    'analysis.result': async ({ jobId }) => analysis.result(jobId),
    'training.start': async (config) => training.start(config),
    'training.runs': async () => training.list(),
    'streams.close': async ({ streamId }, session) => ({ closed: session.closeStream(streamId) }),
  }
  server = new LabServer(handlers)

  return {
    server,
    jobs,
    devices,
    recordings,
    sensor,
    dispose: async () => {
      await jobs.cancelAll()
      await sensor.disconnect()
      sensor.hub.dispose()
      catalog.close()
    },
  }
}

function describeImport(report: { imported: unknown[]; skipped: Array<{ path: string; reason: string }> }): string {
  const skipped = report.skipped.map((s) => `${path.basename(s.path)}: ${s.reason}`)
  return `Imported ${report.imported.length} recording(s)${skipped.length ? `; skipped ${skipped.length} (${skipped.slice(0, 3).join('; ')}${skipped.length > 3 ? '; …' : ''})` : ''}`
}

/**
 * The lab: every service behind LabApi, wired once and served by either shell.
 */
import { mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DevicesService, type PortLister } from './devices.js'
import { JobRegistry } from './jobs.js'
import { LabServer, type RequestHandlers } from './lab-server.js'
import { packageInfo } from './package-info.js'
import { RecordingCatalog } from './recordings/catalog.js'
import { RecordingLibrary } from './recordings/library.js'
import { recordingHandlers } from './recordings/recording-handlers.js'
import { sensorHandlers } from './sensor/sensor-handlers.js'
import { analysisHandlers } from './analysis/analysis-handlers.js'
import { AnalysisService } from './analysis/analysis-service.js'
import { AnalysisStore } from './analysis/analysis-store.js'
import { ComputeHosts } from './training/compute-hosts.js'
import { ModelStore } from './training/model-store.js'
import { RemoteTraining } from './training/remote-training.js'
import { trainingHandlers } from './training/training-handlers.js'
import { TrainingService } from './training/training-service.js'
import { SensorSession } from './sensor/sensor-session.js'
import { listSerialPorts } from './serial-ports.js'
import { createBoardServices, type BoardServices } from './board/index.js'

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
  readonly board: BoardServices
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
  // The server is created after the handlers, which need it only for broadcasts.
  let server: LabServer | null = null
  const jobs = new JobRegistry((info) => server?.broadcast('jobs.update', info))
  const sensor = new SensorSession((status) => server?.broadcast('sensor.status', status))
  const analysisStore = new AnalysisStore(path.join(options.labFolder, 'catalog.sqlite'))
  const analysis = new AnalysisService(jobs, analysisStore)
  let computeBackend: string | null = null
  const models = new ModelStore(path.join(options.labFolder, 'catalog.sqlite'))
  const training = new TrainingService(
    options.labFolder,
    jobs,
    (run) => server?.broadcast('training.update', run),
    (backend) => (computeBackend = backend),
    models,
  )

  const board = createBoardServices({
    labFolder: options.labFolder, catalogFile: path.join(options.labFolder, 'catalog.sqlite'), recordingsFolder: recordings.recordingsFolder,
    jobs, sensor, listRuns: () => training.list(), broadcast: (event, data) => server?.broadcast(event, data),
  })

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
    ...recordingHandlers(catalog, recordings, jobs),
    ...sensorHandlers(sensor, recordings),
    ...board.handlers,
    ...analysisHandlers(analysis, analysisStore),
    ...trainingHandlers(training, new RemoteTraining(jobs, models, (run) => server?.broadcast('training.update', run)), new ComputeHosts(options.labFolder)),
    'streams.close': async ({ streamId }, session) => ({ closed: session.closeStream(streamId) }),
  }
  server = new LabServer(handlers)

  return {
    server,
    jobs,
    devices,
    recordings,
    sensor,
    board,
    dispose: async () => {
      await jobs.cancelAll()
      await training.idle()
      await board.dispose()
      await sensor.disconnect()
      sensor.hub.dispose()
      analysisStore.close()
      catalog.close()
      models.close()
    },
  }
}

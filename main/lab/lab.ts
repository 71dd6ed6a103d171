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
import { listSerialPorts } from './serial-ports.js'

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
  dispose(): Promise<void>
}

export function defaultLabFolder(): string {
  return process.env.SPIKELAB_LAB_FOLDER ?? path.join(os.homedir(), 'Spikelab')
}

export function createLab(options: LabOptions): Lab {
  mkdirSync(options.labFolder, { recursive: true })
  const pkg = packageInfo()
  const devices = new DevicesService(options.listPorts ?? listSerialPorts)
  // The server is created after the handlers, which need it only for broadcasts.
  let server: LabServer | null = null
  const jobs = new JobRegistry((info) => server?.broadcast('jobs.update', info))

  const handlers: RequestHandlers = {
    'app.info': async () => ({
      name: 'Spikelab',
      version: pkg.version,
      shell: options.shell,
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      labFolder: options.labFolder,
      computeBackend: null,
    }),
    'app.metrics': async () => {
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
    'streams.close': async ({ streamId }, session) => ({ closed: session.closeStream(streamId) }),
  }
  server = new LabServer(handlers)

  return {
    server,
    jobs,
    devices,
    dispose: () => jobs.cancelAll(),
  }
}

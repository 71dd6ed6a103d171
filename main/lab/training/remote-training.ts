/**
 * Training on a compute host: another Spikelab (`spikelab serve --token T`, e.g. on a GPU server)
 * trains the run; this lab relays it. The remote run's `training.update` events come back as this
 * lab's own (same TrainingRun, with `host` naming where it runs and `folder` = `remote:<host>/<path>`
 * since the weights stay there), a local job mirrors its progress so the jobs panel works unchanged,
 * cancel goes through to the host, and a lost connection shows as the run's error while the
 * connection is retried; relaying resumes if the host comes back within the grace period.
 */
import WebSocket from 'ws'
import { CancelledError, SpikelabError } from '../../../common/errors.js'
import { createLabClient, type ClientTransport } from '../../../common/contract/lab-client.js'
import type { ConnectionState, LabApi } from '../../../common/contract/lab-api.js'
import type { TrainingConfig, TrainingRun } from '../../../common/contract/schemas.js'
import type { ServerMessage } from '../../../common/contract/wire.js'
import type { JobContext, JobRegistry } from '../jobs.js'
import type { CheckpointRecord, ModelStore } from './model-store.js'
import type { ResolvedHost } from './compute-hosts.js'

const CONNECT_TIMEOUT_MS = 10_000
const CANCEL_CONFIRM_MS = 10_000
const MAX_MESSAGE_BYTES = 64 << 20

export interface RemoteConnection {
  readonly client: LabApi
  /** Settles once the first connection is open, or rejects with why it could not be made. */
  readonly ready: Promise<void>
  close(): void
}

/**
 * LabApi over a Node WebSocket to a host's /lab endpoint. After the first connection opened it
 * reconnects with backoff until closed; the first connection's failure is reported, not retried.
 * The token goes only into the request URL, never into messages or errors.
 */
export function connectToHost(host: ResolvedHost): RemoteConnection {
  let socket: WebSocket | null = null
  let closed = false
  let everOpen = false
  let retryMs = 250
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let settleReady: { resolve(): void; reject(err: Error): void } | null = null
  const ready = new Promise<void>((resolve, reject) => (settleReady = { resolve, reject }))
  ready.catch(() => undefined)
  const endpoint = `${host.url}?token=${encodeURIComponent(host.token)}`

  const transport: ClientTransport = {
    send(message) {
      if (!socket || socket.readyState !== WebSocket.OPEN) throw new SpikelabError('REMOTE_UNREACHABLE', `not connected to compute host '${host.name}' (${host.url})`)
      socket.send(JSON.stringify(message))
    },
    connect(sink) {
      const open = () => {
        if (closed) return
        sink.state('connecting' satisfies ConnectionState)
        const ws = new WebSocket(endpoint, { handshakeTimeout: CONNECT_TIMEOUT_MS, maxPayload: MAX_MESSAGE_BYTES })
        socket = ws
        let failure: Error | null = null
        ws.on('open', () => {
          everOpen = true
          retryMs = 250
          sink.state('open')
          settleReady?.resolve()
          settleReady = null
        })
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          if (isBinary) sink.binary(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer)
          else sink.message(JSON.parse(data.toString()) as ServerMessage)
        })
        ws.on('error', (err) => (failure = err))
        ws.on('close', () => {
          if (socket !== ws) return
          socket = null
          sink.state('closed')
          if (!everOpen) {
            settleReady?.reject(describeConnectFailure(host, failure))
            settleReady = null
            closed = true
            return
          }
          if (closed) return
          retryTimer = setTimeout(open, retryMs)
          retryMs = Math.min(retryMs * 2, 5000)
        })
      }
      open()
    },
  }
  const client = createLabClient(transport)
  return {
    client,
    ready,
    close() {
      closed = true
      clearTimeout(retryTimer)
      socket?.close()
      socket = null
    },
  }
}

function describeConnectFailure(host: ResolvedHost, err: Error | null): SpikelabError {
  const status = /Unexpected server response: (\d+)/.exec(err?.message ?? '')?.[1]
  if (status === '401') return new SpikelabError('REMOTE_UNAUTHORIZED', `compute host '${host.name}' (${host.url}) refused the token: check the token its 'spikelab serve --token' was given`, { field: 'token' })
  if (status) return new SpikelabError('REMOTE_UNREACHABLE', `compute host '${host.name}' (${host.url}) answered HTTP ${status}; is it a Spikelab host ('spikelab serve')?`, { field: 'url' })
  return new SpikelabError('REMOTE_UNREACHABLE', `cannot reach compute host '${host.name}' (${host.url}): ${err?.message ?? 'the connection closed'}`, { field: 'url' })
}

export interface RemoteTrainingOptions {
  /** How long a run waits for a lost host to come back before it is marked failed. */
  readonly reconnectGraceMs?: number
}

export class RemoteTraining {
  /** Runs relayed in this session, by run id (the remote's id). */
  private readonly live = new Map<string, TrainingRun>()
  private readonly graceMs: number

  constructor(
    private readonly jobs: JobRegistry,
    private readonly store: ModelStore,
    private readonly onUpdate: (run: TrainingRun) => void,
    options: RemoteTrainingOptions = {},
  ) {
    this.graceMs = options.reconnectGraceMs ?? 30_000
  }

  /** The latest state of a run relayed in this session. */
  current(runId: string): TrainingRun | undefined {
    return this.live.get(runId)
  }

  /** Rejects runs whose weights stay on a compute host (inspection needs them here). */
  assertLocal(runId: string): void {
    const run = this.live.get(runId) ?? this.store.get(runId)?.run
    if (run && run.host && run.host !== 'local') {
      throw new SpikelabError('SNN_INSPECT_UNSUPPORTED', `the weights of run '${runId}' stay on compute host '${run.host}' (${run.folder}); inspect it there`, { field: 'runId' })
    }
  }

  /**
   * Starts the run on the host and relays it. Rejects — and nothing starts — when the host cannot be
   * reached, refuses the token, or refuses the config.
   */
  async start(config: TrainingConfig, host: ResolvedHost): Promise<{ jobId: string; runId: string }> {
    const connection = connectToHost(host)
    const early: TrainingRun[] = []
    let relay: ((remote: TrainingRun) => void) | null = null
    const stopEvents = connection.client.on('training.update', (remote) => (relay ? relay(remote) : early.push(remote)))
    let started: { jobId: string; runId: string }
    try {
      await connection.ready
      started = await connection.client.request('training.start', config)
    } catch (err) {
      stopEvents()
      connection.close()
      if (err instanceof SpikelabError) throw err
      throw new SpikelabError('REMOTE_START_FAILED', `compute host '${host.name}' did not start the run: ${err instanceof Error ? err.message : String(err)}`)
    }
    const { runId } = started
    const remoteJobId = started.jobId
    const place = (remote: TrainingRun, patch: Partial<TrainingRun> = {}): TrainingRun => ({
      ...remote, jobId: job.id, host: host.name, folder: `remote:${host.name}/${remote.folder}`, ...patch,
    })
    let run: TrainingRun
    let ctx!: JobContext
    let settle!: { resolve(): void; reject(err: Error): void }
    let ended = false
    let lost = false
    let cancelRequested = false
    let graceTimer: ReturnType<typeof setTimeout> | undefined
    let cancelTimer: ReturnType<typeof setTimeout> | undefined
    let stopConnection = () => undefined as unknown

    const publish = (next: TrainingRun) => {
      const newEpoch = next.history.length !== run?.history.length
      run = next
      this.live.set(runId, run)
      this.onUpdate(run)
      if (newEpoch) this.store.save(run)
    }
    const finish = async (state: TrainingRun['state'], error: string | null, remote?: TrainingRun) => {
      if (ended) return
      ended = true
      clearTimeout(graceTimer)
      clearTimeout(cancelTimer)
      // The host's own record of the finished run (its catalog row), when it can still be asked.
      let record = remote
      if (!lost) {
        const runs = await connection.client.request('training.runs', {}).catch(() => null)
        record = runs?.find((r) => r.id === runId) ?? record
      }
      stopEvents()
      stopConnection()
      connection.close()
      const base = record ? place(record) : run
      publish({ ...base, state, error, endedAt: base.endedAt ?? Date.now(), progress: state === 'done' ? null : base.progress })
      this.store.save(run, checkpointOf(run))
      if (state === 'done') settle.resolve()
      else if (state === 'cancelled') settle.reject(new CancelledError())
      else settle.reject(new SpikelabError('training-failed', error ?? `the run failed on compute host '${host.name}'`))
    }
    const onRemote = (remote: TrainingRun) => {
      if (remote.id !== runId || ended) return
      const p = remote.progress
      if (p) {
        const fraction = (p.epoch - 1 + p.batch / Math.max(1, p.batches)) / Math.max(1, p.epochs)
        ctx.progress({ fraction, message: `${host.name}: epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(3)}` })
      }
      if (remote.state === 'running') publish(place(remote, { error: null }))
      else if (remote.state === 'failed') void finish('failed', `on compute host '${host.name}': ${remote.error ?? 'failed'}`, remote)
      else if (remote.state === 'cancelled' && !cancelRequested) void finish('cancelled', `compute host '${host.name}' cancelled the run (was it shut down?)`, remote)
      else void finish(remote.state, remote.error, remote)
    }
    /** After a reconnect: is the run still going there, did it end, or did the host restart without it? */
    const resync = async () => {
      const [remoteJobs, runs] = await Promise.all([connection.client.request('jobs.list', {}), connection.client.request('training.runs', {})])
      lost = false
      clearTimeout(graceTimer)
      const remote = runs.find((r) => r.id === runId)
      if (!remoteJobs.some((j) => j.id === remoteJobId) || !remote) {
        void finish('failed', `compute host '${host.name}' (${host.url}) restarted and the run ended there unfinished; its last checkpoint is in ${run.folder}`)
        return
      }
      onRemote(remote)
    }

    const job = this.jobs.start('training', `Train ${config.method.toUpperCase()} on ${host.name}, ${config.epochs} epoch(s)`, (jobCtx) =>
      new Promise<void>((resolve, reject) => {
        ctx = jobCtx
        settle = { resolve, reject }
        jobCtx.signal.addEventListener('abort', () => {
          if (ended) return
          if (lost) {
            void finish('cancelled', `cancelled here while compute host '${host.name}' was unreachable; the run may still be going on there`)
            return
          }
          cancelRequested = true
          connection.client.request('jobs.cancel', { jobId: remoteJobId }).catch(() => undefined) // the confirm timer covers a lost reply
          cancelTimer = setTimeout(() => void finish('cancelled', `compute host '${host.name}' did not confirm the cancel; the run may still be going on there`), CANCEL_CONFIRM_MS)
        })
      }),
    )
    run = {
      id: runId, jobId: job.id, method: config.method, state: 'running', config, backend: null, dataHash: null,
      startedAt: Date.now(), endedAt: null, progress: null, history: [], folder: `remote:${host.name}/`, error: null, host: host.name,
    }
    this.live.set(runId, run)
    this.store.save(run)
    this.onUpdate(run)
    stopConnection = connection.client.onConnection((state) => {
      if (ended) return
      if (state === 'closed' && !lost) {
        lost = true
        publish({ ...run, error: `lost the connection to compute host '${host.name}' (${host.url}); reconnecting…` })
        graceTimer = setTimeout(() => void finish('failed', `lost the connection to compute host '${host.name}' (${host.url}) and it did not come back within ${Math.round(this.graceMs / 1000)} s; the run may still be going on there`), this.graceMs)
      } else if (state === 'open' && lost) {
        resync().catch(() => undefined) // a failed resync leaves the grace timer running
      }
    })
    relay = onRemote
    for (const remote of early) onRemote(remote)
    return { jobId: job.id, runId }
  }
}

/** The catalog's checkpoint summary of a finished remote run, from its last epoch. */
function checkpointOf(run: TrainingRun): CheckpointRecord | undefined {
  const last = run.history.at(-1)
  if (!last || run.backend === null || run.dataHash === null) return undefined
  const metrics: Record<string, number> = { trainLoss: last.trainLoss, trainAccuracy: last.trainAccuracy, samplesPerSecond: last.samplesPerSecond, seconds: last.seconds }
  if (last.testAccuracy !== null) metrics.testAccuracy = last.testAccuracy
  return { epoch: last.epoch, batch: 0, metrics, backend: run.backend, dataHash: run.dataHash }
}

/**
 * Deploying to the connected board as jobs (§8, §12.2, §15): the blob is checked against the
 * board's CAPS, sent with progress (bytes, rate, ETA), resumed by the link after an interruption
 * (only missing bytes travel), committed with the self-test, activated in TEST and then confirmed
 * at once or by the person (the board reverts by itself if nobody confirms). Every deploy is a row
 * in the catalog's history.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { SpikelabError } from '../../../common/errors.js'
import type { CompileReport, DeployableModel, DeployHistoryRow, DeployProgress, PendingConfirm, TrainingRun } from '../../../common/contract/schemas.js'
import { ErrorCode } from '../../../native-bridge/board-link/index.js'
import type { DeployReport } from '../../../native-bridge/board-link/index.js'
import { CapacityError, RP1_LIMITS, checkModelCapacity, decodeModelBlob, weightBytes } from '../../../native-bridge/engine/index.js'
import type { DeviceLimits } from '../../../native-bridge/engine/index.js'
import type { JobContext, JobRegistry } from '../jobs.js'
import type { BlobStore } from './blob-store.js'
import type { BoardSession } from './board-session.js'
import { DEMO_MODELS, demoBlob } from './demo-model.js'
import type { DeployHistory } from './deploy-history.js'

/** Turns a trained run or a NIR graph into a blob; provided by main/deploy when it is available. */
export interface ModelCompiler {
  compile(source: { kind: 'run'; folder: string } | { kind: 'nir'; file: string }, limits: DeviceLimits): Promise<{ blob: Uint8Array; notes: string[]; saturated: (number | null)[] }>
}

export interface DeployEvents {
  progress(p: DeployProgress): void
  pending(p: PendingConfirm | null): void
  history(row: DeployHistoryRow): void
}

export interface DeployStartOptions {
  readonly confirm?: 'auto' | 'manual'
  readonly confirmTimeoutS?: number
}

interface Pending extends PendingConfirm {
  previous: { slot: number; sha: Uint8Array } | null
}

const DEFAULT_CONFIRM_TIMEOUT_S = 60

export class DeployService {
  private pendingConfirm: Pending | null = null
  private compiler: ModelCompiler | null = null
  private running = false

  constructor(
    private readonly labFolder: string,
    private readonly session: BoardSession,
    private readonly jobs: JobRegistry,
    private readonly history: DeployHistory,
    private readonly blobs: BlobStore,
    private readonly listRuns: () => Promise<TrainingRun[]>,
    private readonly events: DeployEvents,
  ) {
    session.onDeviceError((e) => {
      if (e.code === ErrorCode.CONFIRM_TIMEOUT) void this.onConfirmTimeout()
    })
  }

  setCompiler(compiler: ModelCompiler | null): void {
    this.compiler = compiler
  }

  pending(): PendingConfirm | null {
    if (!this.pendingConfirm) return null
    const { previous: _previous, ...visible } = this.pendingConfirm
    return visible
  }

  /** The built-in demo, training runs, and .blob/.nir files in the lab's models and deploy folders. */
  async models(): Promise<DeployableModel[]> {
    const out: DeployableModel[] = DEMO_MODELS.map((d) => ({ ref: d.ref, kind: 'demo' as const, name: d.name, description: d.description, needsCompile: false }))
    for (const run of await this.listRuns().catch(() => [] as TrainingRun[])) {
      if (run.state !== 'done') continue
      const acc = run.history.at(-1)?.testAccuracy
      out.push({
        ref: `run:${run.id}`, kind: 'run', name: `Training run ${run.id}`, needsCompile: true,
        description: `${run.method}, ${run.config.hidden} hidden, ${run.config.epochs} epochs${acc !== null && acc !== undefined ? `, test accuracy ${(acc * 100).toFixed(1)} %` : ''}`,
      })
    }
    for (const file of findModelFiles([path.join(this.labFolder, 'models'), path.join(this.labFolder, 'deploy')])) {
      const nir = file.endsWith('.nir')
      out.push({ ref: `file:${file}`, kind: nir ? 'nir' : 'blob', name: path.basename(file), description: `${nir ? 'NIR graph' : 'Model blob'} · ${path.relative(this.labFolder, file)}`, needsCompile: nir })
    }
    return out
  }

  /** Where a model reference comes from, for preview and evaluation (null: demo or plain blob). */
  async sourceOf(ref: string): Promise<{ kind: 'run'; folder: string } | { kind: 'nir'; file: string } | null> {
    if (ref.startsWith('file:') && ref.endsWith('.nir')) return { kind: 'nir', file: ref.slice(5) }
    if (!ref.startsWith('run:')) return null
    const run = (await this.listRuns()).find((r) => r.id === ref.slice(4))
    return run ? { kind: 'run', folder: run.folder } : null
  }

  /** The blob for a model reference (built, read or compiled). */
  async blobFor(ref: string): Promise<{ blob: Uint8Array; name: string; notes: string[]; saturated: (number | null)[] }> {
    const demo = demoBlob(ref)
    if (demo) return { blob: demo, name: DEMO_MODELS.find((d) => d.ref === ref)!.name, notes: ['built-in demo model (already RP1 fixed point)'], saturated: [] }
    const limits = this.limits()
    if (ref.startsWith('file:')) {
      const file = ref.slice(5)
      if (!existsSync(file)) throw new SpikelabError('not-found', `no model file at ${file}`, { file })
      if (file.endsWith('.nir')) return { ...(await this.requireCompiler().compile({ kind: 'nir', file }, limits)), name: path.basename(file) }
      return { blob: new Uint8Array(readFileSync(file)), name: path.basename(file), notes: [], saturated: [] }
    }
    if (ref.startsWith('run:')) {
      const id = ref.slice(4)
      const run = (await this.listRuns()).find((r) => r.id === id)
      if (!run) throw new SpikelabError('not-found', `no training run '${id}'`, { field: 'ref' })
      return { ...(await this.requireCompiler().compile({ kind: 'run', folder: run.folder }, limits)), name: `run ${id}` }
    }
    throw new SpikelabError('bad-params', `unknown model reference '${ref}'`, { field: 'ref' })
  }

  /** What the blob is and whether it fits the connected board (or RP1 when none is connected). */
  async compile(ref: string): Promise<CompileReport> {
    const { blob, notes, saturated } = await this.blobFor(ref)
    return this.report(ref, blob, notes, saturated)
  }

  report(ref: string, blob: Uint8Array, notes: string[] = [], saturated: (number | null)[] = []): CompileReport {
    const { header, model } = decodeModelBlob(blob)
    const facts = this.blobs.put(blob)
    const caps = this.session.current().caps
    let capacity: CompileReport['capacity'] = { checkedAgainst: caps ? `${caps.boardId} (CAPS)` : 'RP1 reference limits', fits: true, code: null, message: null }
    try {
      checkModelCapacity(header, model, this.limits())
    } catch (err) {
      if (!(err instanceof CapacityError)) throw err
      capacity = { ...capacity, fits: false, code: err.code, message: err.message }
    }
    return {
      ref, sha256: facts.sha256, bytes: blob.length,
      layers: model.layers.map((l, i) => ({ neurons: l.nNeurons, sources: l.sources.length, synapseBytes: l.weights.reduce((a, w) => a + weightBytes(w), 0), wShift: l.wShift, saturated: saturated[i] ?? null })),
      neurons: header.nNeurons, synapseBytes: header.synapseBytes, inputs: model.nInputs, outputs: model.outputMap.length, tickUs: model.tickUs, labels: facts.labels,
      capacity, notes,
    }
  }

  /** Starts a deploy job to the connected board. */
  start(ref: string, options: DeployStartOptions = {}): string {
    this.session.requireClient()
    const caps = this.session.current().caps
    if (!caps) throw new SpikelabError('board-not-connected', 'the board has not sent CAPS yet')
    if (this.pendingConfirm) throw new SpikelabError('deploy-pending', 'a TEST activation is waiting: confirm or revert it first')
    if (this.running) throw new SpikelabError('deploy-running', 'a deploy to this board is already running; wait for it or cancel it')
    let jobId = ''
    this.running = true
    const { id } = this.jobs.start('deploy', `Deploy to ${caps.boardId}`, async (ctx) => {
      await Promise.resolve() // the registry hands out the id when start() returns
      try {
        return await this.run(ctx, jobId, ref, options)
      } finally {
        this.running = false
      }
    })
    jobId = id
    return id
  }

  private async run(ctx: JobContext, jobId: string, ref: string, options: DeployStartOptions): Promise<void> {
    ctx.progress({ fraction: 0, message: 'building the model blob' })
    const { blob, name } = await this.blobFor(ref)
    const facts = this.blobs.put(blob)
    const caps = this.session.current().caps!
    const client = this.session.requireClient()
    const manual = options.confirm === 'manual'
    const confirmTimeoutS = options.confirmTimeoutS ?? DEFAULT_CONFIRM_TIMEOUT_S
    const previous = caps.activeSlot !== null && caps.activeSha256 ? { slot: caps.activeSlot, sha: fromHex(caps.activeSha256) } : null
    let row = this.history.begin({ boardId: caps.boardId, boardSerial: caps.serial, modelSha256: facts.sha256, modelName: name, bytesTotal: blob.length })
    this.events.history(row)
    const total = blob.length
    const chunkBytesAtStart = client.counters.chunkBytesSent
    const bytesSent = () => client.counters.chunkBytesSent - chunkBytesAtStart
    let resumedFrom = caps.partial && caps.partial.totalSize === total && caps.partial.deployId === `0x${deployIdHex(facts.sha256)}` ? caps.partial.verifiedOffset : 0
    let done = resumedFrom
    let phase: DeployProgress['phase'] = 'checking'
    let rateFrom = { at: Date.now(), bytes: done }
    let lossesSeen = this.session.current().losses
    const emit = () => {
      const link = this.session.current().state
      const shown = link === 'lost' || link === 'connecting' ? 'waiting-for-link' : phase
      const elapsed = (Date.now() - rateFrom.at) / 1000
      const rate = elapsed > 0.2 ? Math.max(0, (done - rateFrom.bytes) / elapsed) : 0
      const eta = rate > 0 && done < total ? (total - done) / rate : null
      this.events.progress({ jobId, phase: shown, bytesDone: done, totalBytes: total, bytesPerSecond: rate, etaSeconds: eta, resumedFrom })
      ctx.progress({ fraction: total > 0 ? done / total : 1, message: `${shown}: ${formatBytes(done)} of ${formatBytes(total)}${rate > 0 ? ` at ${formatBytes(rate)}/s` : ''}` })
    }
    const ticker = setInterval(emit, 250)
    const onAbort = () => void this.session.restartLink()
    ctx.signal.addEventListener('abort', onAbort, { once: true })
    let report: DeployReport
    try {
      phase = 'sending'
      emit()
      report = await client.deploy(blob, {
        confirm: !manual,
        confirmTimeoutS,
        onProgress: (next) => {
          const losses = this.session.current().losses
          if (losses !== lossesSeen) {
            // Resumed after an interruption: the board's first acknowledgement is where it resumed.
            lossesSeen = losses
            resumedFrom = Math.min(next, this.session.current().caps?.partial?.verifiedOffset ?? next)
            rateFrom = { at: Date.now(), bytes: resumedFrom }
          }
          done = next
          phase = next >= total ? 'committing' : 'sending'
        },
      })
    } catch (err) {
      clearInterval(ticker)
      ctx.signal.removeEventListener('abort', onAbort)
      const cancelled = ctx.signal.aborted
      phase = 'failed'
      emit()
      row = this.history.update(row.id, { result: cancelled ? 'cancelled' : 'failed', bytesSent: bytesSent(), resumedFrom, detail: cancelled ? 'cancelled; the board keeps the verified prefix for a resume' : describe(err) })
      this.events.history(row)
      await this.session.refreshCaps().catch(() => undefined)
      throw err
    }
    clearInterval(ticker)
    ctx.signal.removeEventListener('abort', onAbort)
    resumedFrom = report.resumeOffsets.at(-1) ?? resumedFrom
    done = total
    phase = 'done'
    emit()
    const testPending = !report.confirmed && report.mode === 0
    const result: DeployHistoryRow['result'] = report.confirmed ? 'confirmed' : testPending ? 'test' : 'staged'
    const st = report.hostSelfTest
    row = this.history.update(row.id, {
      result, bytesSent: report.bytesSent, resumedFrom, modelSeq: report.modelSeq, ended: !testPending,
      detail: `${report.attempts} attempt(s), resumed at [${report.resumeOffsets.join(', ')}]${st ? `; self-test ${st.spikeCount} spikes, hash ${st.spikeHash.slice(0, 12)}… matched` : ''}${testPending ? `; TEST: reverts in ${confirmTimeoutS} s unless confirmed` : ''}`,
    })
    this.events.history(row)
    if (testPending) {
      this.pendingConfirm = { modelSha256: facts.sha256, modelSeq: report.modelSeq, deadline: Date.now() + confirmTimeoutS * 1000, historyId: row.id, previous }
      this.events.pending(this.pending())
    }
    await this.session.refreshCaps().catch(() => undefined)
    this.session.refreshLabels()
  }

  async confirm(): Promise<{ confirmed: boolean; modelSeq: number }> {
    const p = this.pendingConfirm
    if (!p) throw new SpikelabError('nothing-pending', 'no TEST activation is waiting for CONFIRM')
    await this.session.requireClient().confirm(p.modelSeq)
    this.pendingConfirm = null
    this.events.history(this.history.update(p.historyId, { result: 'confirmed', detail: 'confirmed by the person' }))
    this.events.pending(null)
    await this.session.refreshCaps().catch(() => undefined)
    return { confirmed: true, modelSeq: p.modelSeq }
  }

  /** Rolls a TEST activation back now: ACTIVATE of the previous image (§8.4, the rollback path). */
  async revert(): Promise<{ reverted: boolean }> {
    const p = this.pendingConfirm
    if (!p) throw new SpikelabError('nothing-pending', 'no TEST activation is waiting')
    if (!p.previous) throw new SpikelabError('no-previous', 'the board had no model before this one; it reverts to none when the confirm time runs out')
    await this.session.requireClient().activate(p.previous.slot, p.previous.sha, true)
    this.pendingConfirm = null
    this.events.history(this.history.update(p.historyId, { result: 'reverted', detail: 'reverted by the person (previous image activated)' }))
    this.events.pending(null)
    await this.session.refreshCaps().catch(() => undefined)
    this.session.refreshLabels()
    return { reverted: true }
  }

  private async onConfirmTimeout(): Promise<void> {
    const p = this.pendingConfirm
    this.pendingConfirm = null
    if (p) {
      this.events.history(this.history.update(p.historyId, { result: 'reverted', detail: 'not confirmed in time: the board reverted (CONFIRM_TIMEOUT)' }))
      this.events.pending(null)
    }
    await this.session.refreshCaps().catch(() => undefined)
    this.session.refreshLabels()
  }

  private limits(): DeviceLimits {
    const client = this.session.connectedClient
    return client ? client.deviceLimits() : RP1_LIMITS
  }

  private requireCompiler(): ModelCompiler {
    if (!this.compiler) throw new SpikelabError('compiler-unavailable', 'compiling trained runs and NIR graphs needs the model compiler (main/deploy), which is not available in this build; deploy a .blob file or the built-in demo')
    return this.compiler
  }
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16))
}

function deployIdHex(shaHex: string): string {
  // deploy_id = the first 8 bytes of the SHA-256 as u64 little-endian (§8.1).
  return (shaHex.slice(0, 16).match(/../g) ?? []).reverse().join('')
}

function findModelFiles(folders: string[]): string[] {
  const out: string[] = []
  const walk = (dir: string, depth: number) => {
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      return
    }
    for (const name of names.sort()) {
      const full = path.join(dir, name)
      if (name === 'blobs') continue
      let isDir = false
      try {
        isDir = statSync(full).isDirectory()
      } catch {
        continue
      }
      if (isDir && depth > 0) walk(full, depth - 1)
      else if (/\.(blob|nir)$/.test(name)) out.push(full)
    }
  }
  for (const f of folders) walk(f, 2)
  return out
}

function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${Math.round(n)} B`
}

function describe(err: unknown): string {
  if (err instanceof SpikelabError) return `${err.code}: ${err.message}`
  return err instanceof Error ? err.message : String(err)
}

import { SpikelabError } from '../../common/errors.js'
import type { Clock } from '../board-link/clock.js'
import { Timer } from '../board-link/clock.js'
import { crc32 } from '../board-link/crc32.js'
import type { ErrorCodeName } from '../board-link/message-types.js'
import { CommitFlag, DeployState, ErrorCode, SlotMode } from '../board-link/message-types.js'
import type { Activate, Chunk, ChunkAck, CommitResult, DeployBegin, DeployCommit, DeployReady } from '../board-link/payloads.js'
import { T } from '../board-link/timing.js'
import { decodeBlobHeader, decodeModelBlob } from '../engine/blob-decoder.js'
import type { DeviceLimits } from '../engine/capacity.js'
import { checkHeaderCapacity, checkModelCapacity } from '../engine/capacity.js'
import { runSelfTest } from '../engine/self-test.js'
import { bytesEqual, deployIdOf, sha256 } from '../engine/sha256.js'
import type { DeployJournal, SimFlash, SlotRecord } from './flash.js'
import { SECTOR_SIZE } from './flash.js'
import type { BoardFaults } from './sim-board.js'

export interface DeployFailure {
  error: ErrorCodeName
  msg: string
  detail?: number
}

export interface DeployHooks {
  sendChunkAck(ack: ChunkAck, urgent: boolean): void
  /** Runs a timer callback under the board's power-cut guard. */
  guard(fn: () => void): void
  /** A TEST image was reverted because CONFIRM did not come in time. */
  onReverted(): void
}

const PAGE = 256
const CHUNK_MAX = 512
const BULK_WINDOW = 8
/** Out-of-order chunks are stored up to this many chunks beyond next_offset (§8.3 item 3). */
const SACK_SPAN = 32

/** Maps a validator error (SpikelabError with a board-link code name) to a wire failure. */
function asFailure(e: unknown): DeployFailure {
  if (e instanceof SpikelabError && e.code in ErrorCode) {
    const detail = (e as SpikelabError & { detail?: number }).detail ?? e.location.byteOffset ?? 0
    return { error: e.code as ErrorCodeName, msg: e.message.slice(0, 96), detail }
  }
  throw e
}

/**
 * Device deploy state machine (§8.2–8.5): DEPLOY_BEGIN checks before any erase, windowed chunk
 * reception with a persistent journal, COMMIT (SHA-256, validation, sandboxed self-test),
 * test-then-confirm activation with auto-revert, and the alternating metadata records.
 */
export class DeployUnit {
  state: number = DeployState.IDLE
  private unackedChunks = 0
  private chunksProgrammed = 0
  private readonly ackTimer: Timer
  private readonly eraseTimer: Timer
  private readonly idleTimer: Timer
  private readonly confirmTimer: Timer

  constructor(
    private readonly flash: SimFlash,
    private readonly limits: DeviceLimits,
    clock: Clock,
    private readonly timeScale: number,
    private readonly faults: BoardFaults,
    private readonly hooks: DeployHooks,
  ) {
    const t = (fn: () => void) => new Timer(clock, () => hooks.guard(fn))
    this.ackTimer = t(() => this.sendAck(false))
    this.eraseTimer = t(() => this.finishErase())
    this.idleTimer = t(() => {
      if (this.state === DeployState.RECEIVING) this.state = DeployState.IDLE // journal kept
    })
    this.confirmTimer = t(() => this.confirmExpired())
    // A TEST activation pending at boot was already reverted by the board; nothing to re-arm.
  }

  shutdown(): void {
    for (const t of [this.ackTimer, this.eraseTimer, this.idleTimer, this.confirmTimer]) t.stop()
  }

  /** The resumable partial for CAPS (§7.2): never more than is programmed, verified and journaled. */
  partial(): { deployId: bigint; verified: number; totalSize: number } | null {
    const j = this.flash.journal
    if (!j || !j.erased) return null
    return { deployId: j.deployId, verified: verifiedPrefix(j), totalSize: j.totalSize }
  }

  begin(b: DeployBegin, maxFrame: number, activeSlot: number): DeployReady | DeployFailure {
    if (this.state === DeployState.COMMITTING) return { error: 'BUSY', msg: 'commit in progress' }
    if (this.flash.readRecord()?.mode === SlotMode.TEST) return { error: 'BAD_STATE', msg: 'a TEST activation awaits CONFIRM' }
    if (deployIdOf(b.sha256) !== b.deployId) return { error: 'BAD_PARAM', msg: 'deploy_id is not the SHA-256 prefix' }
    if (b.chunkSize === 0 || b.chunkSize % PAGE !== 0 || b.chunkSize > CHUNK_MAX || b.chunkSize + 32 > maxFrame) {
      return { error: 'CHUNK_SIZE', msg: `chunk_size ${b.chunkSize}`, detail: CHUNK_MAX }
    }
    try {
      const h = decodeBlobHeader(b.modelHeader)
      if (h.totalSize !== b.totalSize) return { error: 'HEADER_INVALID', msg: 'total_size differs from the model header', detail: 8 }
      checkHeaderCapacity(h, this.limits)
    } catch (e) {
      return asFailure(e)
    }
    const j = this.flash.journal
    if (j && j.erased && j.deployId === b.deployId && j.totalSize === b.totalSize && bytesEqual(j.sha256, b.sha256) && j.slot !== activeSlot) {
      rechunk(j, b.chunkSize)
      j.staged = false
      this.state = DeployState.RECEIVING
      this.idleTimer.start(T.DEPLOY_IDLE)
      return { deployId: b.deployId, resumeOffset: verifiedPrefix(j), eraseMsEstimate: 0 }
    }
    const slot = this.flash.slots.findIndex((_, i) => i !== activeSlot)
    this.flash.journal = {
      deployId: b.deployId, slot, totalSize: b.totalSize, chunkSize: b.chunkSize, sha256: b.sha256.slice(),
      stored: new Set(), erased: false, staged: false,
    }
    const eraseMs = Math.ceil(b.totalSize / SECTOR_SIZE) * 30 * this.timeScale
    this.state = DeployState.ERASING
    this.eraseTimer.start(eraseMs)
    return { deployId: b.deployId, resumeOffset: 0, eraseMsEstimate: Math.ceil(eraseMs) }
  }

  private finishErase(): void {
    const j = this.flash.journal
    if (!j || this.state !== DeployState.ERASING) return
    this.flash.erase(j.slot, j.totalSize)
    j.erased = true
    this.state = DeployState.RECEIVING
    this.idleTimer.start(T.DEPLOY_IDLE)
    this.sendAck(true)
  }

  onChunk(c: Chunk, ackReq: boolean): void {
    const j = this.flash.journal
    if (!j || c.deployId !== j.deployId || (this.state !== DeployState.RECEIVING && this.state !== DeployState.ERASING)) {
      this.hooks.sendChunkAck({ deployId: c.deployId, nextOffset: 0, sack: 0, status: ErrorCode.UNKNOWN_DEPLOY }, true)
      return
    }
    if (this.state === DeployState.ERASING) return // the host waits for the post-erase CHUNK_ACK
    this.idleTimer.start(T.DEPLOY_IDLE)
    const reject = (status: number) => this.hooks.sendChunkAck({ ...this.ackFields(j), status }, true)
    if (c.offset % j.chunkSize !== 0 || c.offset >= j.totalSize) return reject(ErrorCode.OFFSET_OUT_OF_RANGE)
    if (c.data.length !== Math.min(j.chunkSize, j.totalSize - c.offset)) return reject(ErrorCode.CHUNK_SIZE)
    if (crc32(c.data) !== c.dataCrc32) return reject(ErrorCode.CHUNK_CRC)
    const idx = c.offset / j.chunkSize
    const next = verifiedPrefix(j) / j.chunkSize
    if (j.stored.has(idx) || idx > next + SACK_SPAN) {
      if (ackReq) this.sendAck(false)
      return
    }
    this.chunksProgrammed++
    this.flash.program(j.slot, c.offset, c.data)
    const forced = this.faults.flashWriteFailAtChunk === this.chunksProgrammed
    if (forced || crc32(this.flash.read(j.slot, c.offset, c.data.length)) !== c.dataCrc32) {
      return reject(ErrorCode.FLASH_WRITE)
    }
    this.flash.checkpoint('JOURNAL')
    j.stored.add(idx)
    this.unackedChunks++
    if (ackReq || this.unackedChunks >= Math.ceil(BULK_WINDOW / 2) || verifiedPrefix(j) === j.totalSize) this.sendAck(false)
    else this.ackTimer.ensure(T.CHUNK_ACK)
  }

  private ackFields(j: DeployJournal): Omit<ChunkAck, 'status'> {
    const nextOffset = verifiedPrefix(j)
    const next = nextOffset / j.chunkSize
    let sack = 0
    for (let i = 0; i < 32; i++) if (j.stored.has(next + 1 + i)) sack |= 1 << i
    return { deployId: j.deployId, nextOffset, sack: sack >>> 0 }
  }

  private sendAck(urgent: boolean): void {
    const j = this.flash.journal
    this.ackTimer.stop()
    this.unackedChunks = 0
    if (!j) return
    this.hooks.sendChunkAck({ ...this.ackFields(j), status: ErrorCode.OK }, urgent)
  }

  abort(deployId: bigint): void {
    if (this.flash.journal?.deployId === deployId) {
      this.flash.journal = null
      this.state = DeployState.IDLE
      this.ackTimer.stop()
      this.eraseTimer.stop()
      this.idleTimer.stop()
    }
  }

  /** §8.4. Protocol failures are returned as errors; step failures in the COMMIT_RESULT. */
  commit(c: DeployCommit): { result: CommitResult; activate: boolean } | DeployFailure {
    if (this.state === DeployState.COMMITTING) return { error: 'BUSY', msg: 'commit in progress' }
    const j = this.flash.journal
    if (!j || j.deployId !== c.deployId || this.state !== DeployState.RECEIVING) return { error: 'UNKNOWN_DEPLOY', msg: 'no such deploy receiving' }
    if (verifiedPrefix(j) < j.totalSize) return { error: 'INCOMPLETE', msg: `${verifiedPrefix(j)} of ${j.totalSize} bytes`, detail: verifiedPrefix(j) }
    this.state = DeployState.COMMITTING
    const t0 = performance.now()
    const none = new Uint8Array(32)
    const result: CommitResult = {
      status: ErrorCode.OK, slot: j.slot, mode: SlotMode.NONE, modelSeq: 0, sha256: none, stSpikeHash: none,
      stStateHash: none, stSpikeCount: 0, stMs: 0, detail: 0,
    }
    const finish = (status: ErrorCodeName, detail = 0) => {
      result.status = ErrorCode[status]
      result.detail = detail
      result.stMs = Math.round(performance.now() - t0)
      if (status !== 'OK') this.flash.journal = null // partial discarded (§8.4 step 1)
      this.state = DeployState.IDLE
      this.ackTimer.stop()
      this.idleTimer.stop()
      return { result, activate: status === 'OK' && (c.flags & CommitFlag.ACTIVATE) !== 0 }
    }
    const image = this.flash.read(j.slot, 0, j.totalSize)
    result.sha256 = sha256(image)
    if (!bytesEqual(result.sha256, j.sha256) || !bytesEqual(c.sha256, j.sha256)) return finish('HASH_MISMATCH')
    let model
    try {
      const decoded = decodeModelBlob(image)
      checkModelCapacity(decoded.header, decoded.model, this.limits)
      model = decoded.model
    } catch (e) {
      const f = asFailure(e)
      return finish(f.error, f.detail)
    }
    if (c.flags & CommitFlag.SELFTEST) {
      const st = model.selfTest
      if (!st) return finish('SECTION_INVALID')
      const o = runSelfTest(model, st.nTicks, st.tUs, st.addr)
      result.stSpikeHash = o.spikeHash
      result.stStateHash = o.stateHash
      result.stSpikeCount = o.spikeCount
      const pass = o.spikeCount === st.expectedSpikeCount && bytesEqual(o.spikeHash, st.spikeHash) &&
        (!(st.flags & 1) || bytesEqual(o.stateHash, st.stateHash))
      if (!pass || this.faults.selfTestFail) {
        this.faults.selfTestFail = false
        return finish('SELFTEST_FAIL')
      }
    }
    if (!(c.flags & CommitFlag.ACTIVATE)) {
      j.staged = true
      result.mode = SlotMode.STAGED
      return finish('OK')
    }
    this.flash.checkpoint('AFTER_VERIFY')
    const rec = this.writeActivation(j.slot, j.totalSize, j.sha256, (c.flags & CommitFlag.PERMANENT) !== 0, c.confirmTimeoutS)
    this.flash.checkpoint('AFTER_META')
    // Cleared only now: a cut before COMMIT_RESULT leaves a complete journal, so a resumed deploy sends nothing.
    this.flash.journal = null
    result.mode = rec.mode
    result.modelSeq = rec.modelSeq
    return finish('OK')
  }

  /** ACTIVATE (§8.4): re-verify an image in a slot, then activate it (also the rollback path). */
  activateSlot(a: Activate): DeployFailure | null {
    if (this.state === DeployState.COMMITTING) return { error: 'BUSY', msg: 'commit in progress' }
    if (a.slot >= this.flash.slots.length) return { error: 'BAD_PARAM', msg: `slot ${a.slot}` }
    let size: number
    try {
      size = decodeBlobHeader(this.flash.read(a.slot, 0, 64)).totalSize
    } catch {
      return { error: 'NO_IMAGE', msg: `slot ${a.slot} holds no image` }
    }
    if (size > this.flash.slotSize) return { error: 'NO_IMAGE', msg: `slot ${a.slot} holds no image` }
    if (!bytesEqual(sha256(this.flash.read(a.slot, 0, size)), a.sha256)) return { error: 'HASH_MISMATCH', msg: `slot ${a.slot} content differs` }
    if (this.flash.journal?.slot === a.slot) this.flash.journal = null
    this.writeActivation(a.slot, size, a.sha256, (a.flags & 1) !== 0, a.confirmTimeoutS)
    return null
  }

  confirm(modelSeq: number): DeployFailure | null {
    const rec = this.flash.readRecord()
    if (!rec || rec.mode !== SlotMode.TEST || rec.modelSeq !== modelSeq) return { error: 'BAD_STATE', msg: 'no TEST activation with this model_seq' }
    this.flash.checkpoint('CONFIRM')
    this.flash.writeRecord({ ...rec, recSeq: rec.recSeq + 1, mode: SlotMode.CONFIRMED })
    this.confirmTimer.stop()
    return null
  }

  private writeActivation(slot: number, size: number, sha: Uint8Array, permanent: boolean, confirmTimeoutS: number): SlotRecord {
    const cur = this.flash.readRecord()
    const has = cur !== null && cur.slot !== 0xff
    const recSeq = (cur?.recSeq ?? 0) + 1
    const rec: SlotRecord = {
      recSeq, modelSeq: recSeq, slot, mode: permanent ? SlotMode.CONFIRMED : SlotMode.TEST, size, sha256: sha.slice(),
      prevSlot: has ? cur.slot : 0xff, prevModelSeq: has ? cur.modelSeq : 0, prevSize: has ? cur.size : 0,
      prevSha256: has ? cur.sha256 : new Uint8Array(32),
    }
    this.flash.writeRecord(rec)
    if (!permanent) this.confirmTimer.start((confirmTimeoutS || T.CONFIRM_S) * 1000)
    else this.confirmTimer.stop()
    return rec
  }

  /** Writes the record returning to the image before a TEST activation (NO_MODEL if none). */
  writeRevert(rec: SlotRecord): void {
    this.flash.checkpoint('REVERT')
    const back = rec.prevSlot !== 0xff && rec.prevSlot !== rec.slot
    this.flash.writeRecord({
      recSeq: rec.recSeq + 1, modelSeq: back ? rec.prevModelSeq : 0, slot: back ? rec.prevSlot : 0xff,
      mode: back ? SlotMode.CONFIRMED : SlotMode.NONE, size: back ? rec.prevSize : 0,
      sha256: back ? rec.prevSha256 : new Uint8Array(32), prevSlot: 0xff, prevModelSeq: 0, prevSize: 0, prevSha256: new Uint8Array(32),
    })
  }

  private confirmExpired(): void {
    const rec = this.flash.readRecord()
    if (!rec || rec.mode !== SlotMode.TEST) return
    this.writeRevert(rec)
    this.hooks.onReverted()
  }
}

/** Bytes of the contiguous stored prefix (the journal's verified offset). */
function verifiedPrefix(j: DeployJournal): number {
  let i = 0
  while (j.stored.has(i)) i++
  return Math.min(j.totalSize, i * j.chunkSize)
}

/** Re-expresses the journal in a new chunk size, keeping only whole chunks of the verified prefix. */
function rechunk(j: DeployJournal, chunkSize: number): void {
  if (j.chunkSize === chunkSize) return
  const prefix = verifiedPrefix(j)
  const whole = prefix === j.totalSize ? Math.ceil(prefix / chunkSize) : Math.floor(prefix / chunkSize)
  j.stored = new Set(Array.from({ length: whole }, (_, i) => i))
  j.chunkSize = chunkSize
}

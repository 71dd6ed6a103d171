import { crc32 } from '../board-link/crc32.js'
import type { PowerCutPlan, PowerCutPoint } from './power-cut.js'
import { PowerCut } from './power-cut.js'

export const SECTOR_SIZE = 4096
export const PAGE_SIZE = 256
const RECORD_MAGIC = 0x4d444c4e // "NLDM" LE
const RECORD_SIZE = 96

/** The metadata record of §8.5 (layout is ours; the spec leaves it open). */
export interface SlotRecord {
  /** Ordering of records; the highest valid one is authoritative. */
  recSeq: number
  modelSeq: number
  /** 0xFF: no model. */
  slot: number
  mode: number
  size: number
  sha256: Uint8Array
  prevSlot: number
  prevModelSeq: number
  prevSize: number
  prevSha256: Uint8Array
}

/** Persistent per-deploy journal (§8.3 step 4): which chunks were programmed and verified. */
export interface DeployJournal {
  deployId: bigint
  slot: number
  totalSize: number
  chunkSize: number
  sha256: Uint8Array
  /** Chunk indices stored and verified. */
  stored: Set<number>
  /** Set once the slot was erased for this deploy. */
  erased: boolean
  /** Committed with mode STAGED: complete, verified, awaiting ACTIVATE. */
  staged: boolean
}

/**
 * Simulated NOR flash that outlives board reboots: two slots, two metadata pages and a journal.
 * Erased bytes are 0xFF and programming only clears bits, so writing without an erase fails the
 * read-after-write check, as on hardware. Armed power cuts throw `PowerCut` mid-operation.
 */
export class SimFlash {
  readonly slots: Uint8Array[]
  private readonly metaPages: Uint8Array[] = [new Uint8Array(RECORD_SIZE).fill(0xff), new Uint8Array(RECORD_SIZE).fill(0xff)]
  journal: DeployJournal | null = null
  /** Boots so far (the board increments it; CAPS/HEARTBEAT report it). */
  bootCount = 0
  private plan: PowerCutPlan | null = null
  private arrivals = new Map<PowerCutPoint, number>()
  /** Seeded generator for torn-write lengths. */
  private seed: number

  constructor(
    readonly slotSize: number,
    nSlots = 2,
    seed = 1,
  ) {
    this.slots = Array.from({ length: nSlots }, () => new Uint8Array(slotSize).fill(0xff))
    this.seed = seed >>> 0 || 1
  }

  armPowerCut(plan: PowerCutPlan | null): void {
    this.plan = plan
    this.arrivals.clear()
  }

  /** Throws when an armed cut is due at `point`. */
  checkpoint(point: PowerCutPoint): void {
    if (!this.plan || this.plan.point !== point) return
    const n = (this.arrivals.get(point) ?? 0) + 1
    this.arrivals.set(point, n)
    if (n >= (this.plan.nth ?? 1)) {
      this.plan = null
      throw new PowerCut(point)
    }
  }

  private random(): number {
    // xorshift32: deterministic per seed (§17 item 8).
    let x = this.seed
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.seed = x >>> 0
    return this.seed / 0x100000000
  }

  /** Erases whole sectors covering `[0, bytes)` of a slot. */
  erase(slot: number, bytes: number): void {
    const end = Math.min(this.slotSize, Math.ceil(bytes / SECTOR_SIZE) * SECTOR_SIZE)
    for (let at = 0; at < end; at += SECTOR_SIZE) {
      if (this.plan?.point === 'ERASE') {
        try {
          this.checkpoint('ERASE')
        } catch (e) {
          this.slots[slot].fill(0xff, at, at + SECTOR_SIZE / 2)
          throw e
        }
      }
      this.slots[slot].fill(0xff, at, at + SECTOR_SIZE)
    }
  }

  /** Programs `data` at `offset` (bits only clear); a PROGRAM cut tears it at a seeded-random length. */
  program(slot: number, offset: number, data: Uint8Array): void {
    const dst = this.slots[slot]
    let n = data.length
    let cut: unknown = null
    try {
      this.checkpoint('PROGRAM')
    } catch (e) {
      n = Math.floor(this.random() * data.length)
      cut = e
    }
    for (let i = 0; i < n; i++) dst[offset + i] &= data[i]
    if (cut) throw cut
  }

  read(slot: number, offset: number, len: number): Uint8Array {
    return this.slots[slot].subarray(offset, offset + len)
  }

  /** Writes a record into the page not holding the authoritative one (erase + program). */
  writeRecord(rec: SlotRecord): void {
    const current = this.readRecordIndex()
    const page = current === 0 ? 1 : 0
    const bytes = encodeRecord(rec)
    this.metaPages[page].fill(0xff)
    try {
      this.checkpoint('META')
    } catch (e) {
      const n = Math.floor(this.random() * bytes.length)
      this.metaPages[page].set(bytes.subarray(0, n))
      throw e
    }
    this.metaPages[page].set(bytes)
  }

  /** The authoritative record (valid magic and CRC, highest recSeq), or null. */
  readRecord(): SlotRecord | null {
    const i = this.readRecordIndex()
    return i < 0 ? null : decodeRecord(this.metaPages[i])
  }

  private readRecordIndex(): number {
    let best = -1
    let bestSeq = -1
    this.metaPages.forEach((p, i) => {
      const r = decodeRecord(p)
      if (r && r.recSeq > bestSeq) {
        best = i
        bestSeq = r.recSeq
      }
    })
    return best
  }

  /** Corrupts both metadata pages (tests of the METADATA_CORRUPT path). */
  corruptMetadata(): void {
    for (const p of this.metaPages) p[RECORD_SIZE - 1] ^= 0xff
  }
}

function encodeRecord(r: SlotRecord): Uint8Array {
  const out = new Uint8Array(RECORD_SIZE)
  const v = new DataView(out.buffer)
  v.setUint32(0, RECORD_MAGIC, true)
  v.setUint32(4, r.recSeq, true)
  v.setUint32(8, r.modelSeq, true)
  v.setUint8(12, r.slot)
  v.setUint8(13, r.mode)
  v.setUint8(14, r.prevSlot)
  v.setUint32(16, r.size, true)
  v.setUint32(20, r.prevModelSeq, true)
  v.setUint32(24, r.prevSize, true)
  out.set(r.sha256.subarray(0, 32), 28)
  out.set(r.prevSha256.subarray(0, 32), 60)
  v.setUint32(92, crc32(out.subarray(0, 92)), true)
  return out
}

function decodeRecord(b: Uint8Array): SlotRecord | null {
  const v = new DataView(b.buffer, b.byteOffset, RECORD_SIZE)
  if (v.getUint32(0, true) !== RECORD_MAGIC) return null
  if (crc32(b.subarray(0, 92)) !== v.getUint32(92, true)) return null
  return {
    recSeq: v.getUint32(4, true),
    modelSeq: v.getUint32(8, true),
    slot: v.getUint8(12),
    mode: v.getUint8(13),
    prevSlot: v.getUint8(14),
    size: v.getUint32(16, true),
    prevModelSeq: v.getUint32(20, true),
    prevSize: v.getUint32(24, true),
    sha256: b.slice(28, 60),
    prevSha256: b.slice(60, 92),
  }
}

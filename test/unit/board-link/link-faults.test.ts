import { afterEach, describe, expect, it } from 'vitest'
import { BoardLinkClient, BoardLinkError, MsgType, SlotMode, createMemoryDuplexPair, encodeDeployBegin } from '../../../native-bridge/board-link/index.js'
import { deployIdOf, encodeModelBlob, sha256, toHex } from '../../../native-bridge/engine/index.js'
import type { PowerCutPoint } from '../../../native-bridge/sim-board/index.js'
import { SimBoard } from '../../../native-bridge/sim-board/index.js'
import { lcg, randomModel } from './random-model.js'
import { TV1_EXPECTED, tv1Model } from './tv1-model.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

async function until(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 2))
  }
}

const BIG = encodeModelBlob(randomModel(42))
const BIG_SHA = toHex(sha256(BIG))
const TV1 = encodeModelBlob(tv1Model())

function rig(board = new SimBoard({ linkBaud: 0, flashTimeScale: 0 })) {
  const pair = createMemoryDuplexPair()
  board.attach(pair.device)
  const client = new BoardLinkClient(pair.host)
  cleanups.push(() => {
    client.close()
    board.close()
  })
  // Invariant sampled throughout: whatever is active is a complete image whose SHA-256 verifies.
  const violations: string[] = []
  const watch = setInterval(() => {
    const rec = board.flash.readRecord()
    if (rec && rec.slot !== 0xff) {
      const got = toHex(sha256(board.flash.read(rec.slot, 0, rec.size)))
      if (got !== toHex(rec.sha256)) violations.push(`slot ${rec.slot} active but hash ${got}`)
    }
  }, 3)
  cleanups.push(() => clearInterval(watch))
  return { pair, board, client, violations }
}

describe('deploy under injected faults', () => {
  it('the big model spans many chunks (so resume counts mean something)', () => {
    expect(BIG.length).toBeGreaterThan(20 * 512)
  })

  it('bit errors in both directions: detected (CRC), retransmitted, deploy verified', async () => {
    const { pair, board, client, violations } = rig()
    await client.connect()
    const rnd = lcg(5)
    let flips = 0
    const corrupt = (b: Uint8Array) => {
      for (let i = 0; i < b.length; i++) if (rnd() < 0.0002) { b[i] ^= 1 << Math.floor(rnd() * 8); flips++ }
      return b
    }
    pair.host.faults.transform = corrupt
    pair.device.faults.transform = corrupt
    const report = await client.deploy(BIG)
    pair.host.faults.transform = undefined
    pair.device.faults.transform = undefined
    expect(flips).toBeGreaterThan(0)
    expect(board.counters.rxBadFrames + client.counters.rxBadFrames).toBeGreaterThan(0)
    expect(report.sha256).toBe(BIG_SHA)
    expect(report.confirmed).toBe(true)
    expect(toHex(board.state.activeSha256!)).toBe(BIG_SHA)
    expect(violations).toEqual([])
  })

  it('dropped byte runs: detected, recovered, deploy verified', async () => {
    const { pair, board, client, violations } = rig()
    await client.connect()
    const rnd = lcg(9)
    let drops = 0
    pair.host.faults.transform = (b) => {
      if (rnd() < 0.08) {
        drops++
        const at = Math.floor(rnd() * b.length)
        return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + Math.floor(rnd() * 8))])
      }
      return b
    }
    const report = await client.deploy(BIG)
    pair.host.faults.transform = undefined
    expect(drops).toBeGreaterThan(0)
    expect(report.bytesSent).toBeGreaterThan(BIG.length) // something had to travel twice
    expect(toHex(board.state.activeSha256!)).toBe(BIG_SHA)
    expect(violations).toEqual([])
  })

  it('every frame duplicated: requests execute once, chunks are idempotent, events are not doubled', async () => {
    const { pair, board, client } = rig()
    await client.connect()
    const twice = (b: Uint8Array) => Uint8Array.from([...b, ...b])
    pair.host.faults.transform = twice
    pair.device.faults.transform = twice
    const report = await client.deploy(TV1)
    expect(report.confirmed).toBe(true)
    expect(toHex(board.state.activeSha256!)).toBe(TV1_EXPECTED.sha256)
    const st = tv1Model().selfTest!
    const spikes: [number, number][] = []
    const final = new Promise<void>((resolve) =>
      client.on('spikes', (s: { tick: Uint32Array; id: Uint16Array; final: boolean }) => {
        s.tick.forEach((t, i) => spikes.push([t, s.id[i]]))
        if (s.final) resolve()
      }),
    )
    await client.run({ stepped: true, stopAfter: 12 })
    await client.sendEvents(st.tUs, st.addr, 12_000)
    await final
    // Duplicated EVENTS_IN are discarded by ev_index, duplicated SPIKES_OUT by seq: exactly TV1's train.
    expect(spikes).toEqual(TV1_EXPECTED.spikes)
  })

  it('device reset mid-transfer: the host notices, re-handshakes and sends only the missing bytes', async () => {
    const { board, client, violations } = rig()
    await client.connect()
    let resetDone = false
    let storedAtReset = 0
    const watcher = setInterval(() => {
      const j = board.flash.journal
      if (!resetDone && j && j.stored.size >= 10) {
        resetDone = true
        storedAtReset = j.stored.size
        board.powerCut()
      }
    }, 1)
    cleanups.push(() => clearInterval(watcher))
    const report = await client.deploy(BIG)
    expect(resetDone).toBe(true)
    expect(board.state.bootCount).toBe(2)
    expect(report.resumeOffsets.length).toBe(2)
    const resume = report.resumeOffsets[1]
    // Chunks stored out of order above a hole are not part of the verified prefix.
    expect(resume).toBeGreaterThanOrEqual((storedAtReset - 8) * 512)
    // After the re-handshake exactly the missing bytes travel (a clean link needs no retransmission).
    expect(report.uniqueBytesPerBegin[1]).toBe(BIG.length - resume)
    expect(report.lowestOffsetPerBegin[1]).toBe(report.resumeOffsets[1])
    expect(toHex(board.state.activeSha256!)).toBe(BIG_SHA)
    expect(violations).toEqual([])
  })

  for (const point of ['PROGRAM', 'JOURNAL', 'ERASE'] as PowerCutPoint[]) {
    it(`power cut at ${point} during transfer: partial never exceeds the intact bytes, deploy resumes`, async () => {
      const board = new SimBoard({ linkBaud: 0, flashTimeScale: 0 })
      const { client, violations } = rig(board)
      await client.connect()
      board.armPowerCut({ point, nth: point === 'ERASE' ? 1 : 7 })
      const report = await client.deploy(BIG)
      expect(board.state.bootCount).toBe(2)
      expect(board.bootLog).toContain(`power cut at ${point}`)
      if (point !== 'ERASE') expect(report.resumeOffsets[1]).toBe(6 * 512) // 6 chunks journaled before the cut
      expect(toHex(board.state.activeSha256!)).toBe(BIG_SHA)
      expect(violations).toEqual([])
    })
  }

  for (const point of ['AFTER_VERIFY', 'META', 'AFTER_META'] as PowerCutPoint[]) {
    it(`power cut at ${point} during commit: image wholly old or new, resumed deploy sends no chunk twice`, async () => {
      const board = new SimBoard({ linkBaud: 0, flashTimeScale: 0 })
      const { client, violations } = rig(board)
      await client.connect()
      const old = await client.deploy(TV1, { permanent: true })
      expect(old.confirmed).toBe(true)
      board.armPowerCut({ point })
      const report = await client.deploy(BIG)
      expect(board.bootLog).toContain(`power cut at ${point}`)
      // After the cut the board booted the old image (an unconfirmed TEST is reverted at boot).
      expect(report.resumeOffsets).toEqual([0, BIG.length])
      expect(report.uniqueBytesPerBegin).toEqual([BIG.length, 0])
      expect(toHex(board.state.activeSha256!)).toBe(BIG_SHA)
      expect(board.state.activeMode).toBe(SlotMode.CONFIRMED)
      expect(violations).toEqual([])
    })
  }

  it('a TEST activation without CONFIRM reverts to the previous image and says so', async () => {
    const { board, client } = rig()
    await client.connect()
    await client.deploy(TV1, { permanent: true })
    const errors: string[] = []
    client.on('deviceError', (e: { name: string }) => errors.push(e.name))
    const r = await client.deploy(BIG, { confirm: false, confirmTimeoutS: 1 })
    expect(r.mode).toBe(SlotMode.TEST)
    expect(toHex(board.state.activeSha256!)).toBe(BIG_SHA)
    await until(() => errors.includes('CONFIRM_TIMEOUT'), 5000)
    expect(toHex(board.state.activeSha256!)).toBe(TV1_EXPECTED.sha256)
    expect(board.state.activeMode).toBe(SlotMode.CONFIRMED)
    await expect(client.confirm(r.modelSeq)).rejects.toMatchObject({ code: 'BAD_STATE' })
  })

  it('an active image that no longer verifies at boot falls back to the previous one', async () => {
    const { board, client } = rig()
    await client.connect()
    await client.deploy(TV1, { permanent: true })
    await client.deploy(BIG, { permanent: true })
    const rec = board.flash.readRecord()!
    const slot = board.flash.slots[rec.slot]
    slot[slot.findIndex((b, i) => i >= 64 && b !== 0)] = 0 // bit rot in the active image
    board.powerCut()
    expect(board.bootLog).toContain(`active slot ${rec.slot} failed its SHA-256 check`)
    expect(toHex(board.state.activeSha256!)).toBe(TV1_EXPECTED.sha256)
    expect(board.state.runState).toBe(1)
  })

  it('a forced self-test failure is reported and nothing is activated', async () => {
    const { board, client } = rig(new SimBoard({ linkBaud: 0, flashTimeScale: 0, faults: { selfTestFail: true } }))
    await client.connect()
    await expect(client.deploy(TV1)).rejects.toMatchObject({ code: 'SELFTEST_FAIL' })
    expect(board.state.activeSha256).toBeNull()
    expect(board.state.runState).toBe(0)
  })

  it('a forced FLASH_WRITE fails the deploy (no retry can fix a failing part)', async () => {
    const { board, client } = rig(new SimBoard({ linkBaud: 0, flashTimeScale: 0, faults: { flashWriteFailAtChunk: 3 } }))
    await client.connect()
    await expect(client.deploy(BIG)).rejects.toMatchObject({ code: 'FLASH_WRITE' })
    expect(board.state.activeSha256).toBeNull()
  })

  it('flash corrupted after transfer: HASH_MISMATCH, partial discarded, redeploy from 0 succeeds', async () => {
    const { board, client } = rig()
    await client.connect()
    let corrupted = false
    const watcher = setInterval(() => {
      const j = board.flash.journal
      if (!corrupted && j && j.stored.size >= 3) {
        // Bits cleared behind the journal's back (programming can only clear bits).
        const slot = board.flash.slots[j.slot]
        const at = slot.findIndex((b, i) => i >= 64 && (b & 0xf0) !== 0)
        slot[at] &= 0x0f
        corrupted = true
      }
    }, 1)
    cleanups.push(() => clearInterval(watcher))
    const report = await client.deploy(TV1)
    expect(corrupted).toBe(false) // TV1 has 2 chunks; use the big one
    expect(report.confirmed).toBe(true)
    const r2 = await client.deploy(BIG)
    expect(corrupted).toBe(true)
    expect(r2.resumeOffsets).toEqual([0, 0])
    expect(r2.uniqueBytesPerBegin).toEqual([BIG.length, BIG.length])
    expect(toHex(board.state.activeSha256!)).toBe(BIG_SHA)
  })

  it('a read stall shorter than T_LOST only delays the deploy', async () => {
    const { pair, client, board } = rig()
    await client.connect()
    let stallUntil = 0
    let stalls = 0
    pair.device.faults.stalled = () => Date.now() < stallUntil
    const watcher = setInterval(() => {
      const j = board.flash.journal
      if (stalls === 0 && j && j.stored.size >= 5) {
        stalls++
        stallUntil = Date.now() + 400
      }
    }, 1)
    cleanups.push(() => clearInterval(watcher))
    const report = await client.deploy(BIG)
    expect(stalls).toBe(1)
    expect(report.resumeOffsets).toEqual([0])
    expect(toHex(board.state.activeSha256!)).toBe(BIG_SHA)
  })
})

describe('DEPLOY_BEGIN checks before any erase (§8.2)', () => {
  it('rejects capacity, bad id and chunk size with the spec codes and leaves flash untouched', async () => {
    const { client, board } = rig()
    await client.connect()
    const sha = sha256(TV1)
    const header = TV1.slice(0, 64)
    const begin = (over: Partial<Parameters<typeof encodeDeployBegin>[0]>) =>
      client.request(MsgType.DEPLOY_BEGIN, encodeDeployBegin({ deployId: deployIdOf(sha), totalSize: TV1.length, chunkSize: 512, flags: 0, sha256: sha, modelHeader: header, ...over }))
    const tooMany = header.slice()
    new DataView(tooMany.buffer).setUint32(48, 4097, true)
    await expect(begin({ modelHeader: tooMany })).rejects.toMatchObject({ code: 'CAPACITY_NEURONS', detail: 4096 })
    const tooBig = header.slice()
    new DataView(tooBig.buffer).setUint32(8, 3 * 1024 * 1024, true)
    await expect(begin({ modelHeader: tooBig, totalSize: 3 * 1024 * 1024 })).rejects.toMatchObject({ code: 'CAPACITY_STORAGE' })
    const profile = header.slice()
    profile[60] = 2
    await expect(begin({ modelHeader: profile })).rejects.toMatchObject({ code: 'UNSUPPORTED_PROFILE' })
    await expect(begin({ deployId: 1n })).rejects.toMatchObject({ code: 'BAD_PARAM' })
    await expect(begin({ chunkSize: 300 })).rejects.toMatchObject({ code: 'CHUNK_SIZE' })
    await expect(begin({ chunkSize: 1024 })).rejects.toMatchObject({ code: 'CHUNK_SIZE' })
    expect(board.flash.journal).toBeNull()
    expect(board.flash.slots.every((s) => s.every((b) => b === 0xff))).toBe(true)
    await expect(client.request(MsgType.DEPLOY_COMMIT, new Uint8Array(44))).rejects.toMatchObject({ code: 'UNKNOWN_DEPLOY' })
    await expect(client.request(0x2f, new Uint8Array(0))).rejects.toBeInstanceOf(BoardLinkError)
  })
})

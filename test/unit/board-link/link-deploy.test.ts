import { afterEach, describe, expect, it } from 'vitest'
import { BoardLinkClient, MsgType, SlotMode, createMemoryDuplexPair, decodeReadbackData, encodeReadback } from '../../../native-bridge/board-link/index.js'
import { encodeModelBlob, sha256, toHex } from '../../../native-bridge/engine/index.js'
import { SimBoard } from '../../../native-bridge/sim-board/index.js'
import { randomModel } from './random-model.js'
import { TV1_EXPECTED, tv1Model } from './tv1-model.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

function rig(boardOpts: ConstructorParameters<typeof SimBoard>[0] = {}) {
  const pair = createMemoryDuplexPair()
  const board = new SimBoard({ linkBaud: 0, flashTimeScale: 0, ...boardOpts })
  board.attach(pair.device)
  const client = new BoardLinkClient(pair.host)
  cleanups.push(() => {
    client.close()
    board.close()
  })
  return { pair, board, client }
}

describe('board link over an in-memory pair', () => {
  it('handshakes and reports RP1 CAPS', async () => {
    const { client } = rig()
    const caps = await client.connect()
    expect(caps).toMatchObject({ protoVer: 1, maxFrame: 1024, nSlots: 2, chunkMax: 512, pageSize: 256, bulkWindow: 8, ctrlWindow: 4, maxNeurons: 4096, activeSlot: 0xff })
  })

  it('deploys TV1: self-test matches the host engine bit for bit, TEST then CONFIRM', async () => {
    const { client, board } = rig()
    const blob = encodeModelBlob(tv1Model())
    const report = await client.deploy(blob)
    expect(report.sha256).toBe(TV1_EXPECTED.sha256)
    expect(toHex(report.commit.stSpikeHash)).toBe(TV1_EXPECTED.spikeHash)
    expect(toHex(report.commit.stStateHash)).toBe(TV1_EXPECTED.stateHash)
    expect(report.commit.stSpikeCount).toBe(13)
    expect(report.confirmed).toBe(true)
    expect(report.uniqueBytesPerBegin).toEqual([704])
    expect(board.state.activeMode).toBe(SlotMode.CONFIRMED)
    expect(toHex(board.state.activeSha256!)).toBe(TV1_EXPECTED.sha256)
    const caps = await client.getCaps()
    expect(toHex(caps.activeSha256)).toBe(TV1_EXPECTED.sha256)
    expect(caps.runState).toBe(1)
  })

  it('a second host resumes a partial deploy and sends only the missing bytes', async () => {
    const { client, board, pair } = rig()
    const blob = encodeModelBlob(tv1Model())
    // Cut the link after the first chunk's bytes reach the device: the host process "dies".
    let chunkFrames = 0
    pair.host.faults.transform = (b) => {
      if (b.length > 200) chunkFrames++
      return chunkFrames > 1 ? new Uint8Array(0) : b
    }
    const first = client.deploy(blob)
    await until(() => board.flash.journal?.stored.size === 1)
    client.close()
    await expect(first).rejects.toThrow(/closed/)
    expect(board.flash.journal?.stored.size).toBe(1)

    const pair2 = createMemoryDuplexPair()
    board.attach(pair2.device)
    const client2 = new BoardLinkClient(pair2.host)
    cleanups.push(() => client2.close())
    const caps = await client2.connect()
    expect(caps.partialValid).toBe(1)
    expect(caps.partialVerifiedOffset).toBe(512)
    const report = await client2.deploy(blob)
    expect(report.resumeOffsets).toEqual([512])
    expect(report.uniqueBytesPerBegin).toEqual([704 - 512])
    expect(report.lowestOffsetPerBegin).toEqual([512])
    expect(report.confirmed).toBe(true)
  })

  it('slot readback returns the deployed bytes (rung 5, READBACK space 0)', async () => {
    const { client } = rig()
    const blob = encodeModelBlob(tv1Model())
    const r = await client.deploy(blob)
    const got = new Uint8Array(blob.length)
    for (let off = 0; off < blob.length; ) {
      const f = await client.request(MsgType.READBACK, encodeReadback({ space: 0, slot: r.slot, offset: off, len: blob.length - off }))
      const d = decodeReadbackData(f.payload)
      got.set(d.data, off)
      off += d.data.length
    }
    expect(Array.from(got)).toEqual(Array.from(blob))
  })

  it('STAGED without activation, then ACTIVATE; ACTIVATE of the old slot rolls back', async () => {
    const { client, board } = rig()
    const tv1 = encodeModelBlob(tv1Model())
    const other = encodeModelBlob(randomModel(5))
    const first = await client.deploy(tv1, { permanent: true })
    const staged = await client.deploy(other, { activate: false })
    expect(staged.mode).toBe(SlotMode.STAGED)
    expect(staged.slot).not.toBe(first.slot)
    expect(toHex(board.state.activeSha256!)).toBe(TV1_EXPECTED.sha256)
    await client.activate(staged.slot, sha256(other), true)
    expect(toHex(board.state.activeSha256!)).toBe(toHex(sha256(other)))
    await client.activate(first.slot, sha256(tv1), true)
    expect(toHex(board.state.activeSha256!)).toBe(TV1_EXPECTED.sha256)
    await expect(client.activate(staged.slot, sha256(tv1), true)).rejects.toMatchObject({ code: 'HASH_MISMATCH' })
  })

  it('rung 0 refuses a model the device cannot hold before sending anything', async () => {
    const { client, pair } = rig()
    await client.connect()
    const big = tv1Model()
    big.layers[0].nNeurons = 4000
    big.layers[0].weights = [{ format: 'dense', rows: 4000, cols: 4, values: new Int8Array(16000) }]
    big.layers[0].threshold = new Int16Array(4000).fill(100)
    big.layers[0].bias = new Int16Array(4000)
    big.layers[0].leakShift = new Uint8Array(4000)
    big.layers[0].refractory = new Uint8Array(4000)
    big.layers[1].nNeurons = 200
    big.layers[1].weights = [
      { format: 'dense', rows: 200, cols: 4000, values: new Int8Array(800000) },
      { format: 'csr', rows: 200, cols: 200, rowPtr: new Uint32Array(201), colIdx: new Uint16Array(0), values: new Int8Array(0) },
    ]
    big.layers[1].threshold = new Int16Array(200).fill(100)
    big.layers[1].bias = new Int16Array(200)
    big.layers[1].leakShift = new Uint8Array(200)
    big.layers[1].refractory = new Uint8Array(200)
    big.selfTest = undefined
    const before = pair.host.bytesWritten
    // 4200 neurons > RP1's 4096; the fan-in of layer 1 (4000 + 0) still fits.
    await expect(client.deploy(encodeModelBlob(big))).rejects.toMatchObject({ code: 'CAPACITY_NEURONS' })
    expect(pair.host.bytesWritten).toBe(before)
  })
})

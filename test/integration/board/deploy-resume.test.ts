import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Chan, FrameDecoder, MsgType, createMemoryDuplexPair, decodeChunk } from '../../../native-bridge/board-link/index.js'
import type { ByteDuplex } from '../../../native-bridge/board-link/index.js'
import { encodeModelBlob, sha256, toHex } from '../../../native-bridge/engine/index.js'
import { JobRegistry } from '../../../main/lab/jobs.js'
import { DeployHistory, createBoardServices, type BoardServices } from '../../../main/lab/board/index.js'
import { SensorSession } from '../../../main/lab/sensor/sensor-session.js'
import { randomModel } from '../../unit/board-link/random-model.js'

/** What the host put on the wire as CHUNK frames, decoded at the transport (not from the client's own counters). */
interface WireChunk {
  connection: number
  offset: number
  bytes: number
}

interface Rig {
  labFolder: string
  services: BoardServices
  jobs: JobRegistry
  chunks: WireChunk[]
  /** Closes the current in-process link (both ends), as when a cable is pulled. */
  cut(): void
  connections(): number
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function rig(options: { cutAfterChunkBytes?: number } = {}): Rig {
  const labFolder = mkdtempSync(path.join(os.tmpdir(), 'spikelab-board-'))
  const jobs = new JobRegistry(() => {})
  const sensor = new SensorSession(() => {})
  const chunks: WireChunk[] = []
  let connection = 0
  let current: ByteDuplex | null = null
  let cutDone = false
  const services: BoardServices = createBoardServices({
    labFolder, catalogFile: path.join(labFolder, 'catalog.sqlite'), recordingsFolder: path.join(labFolder, 'recordings'), jobs, sensor,
    listRuns: async () => [], broadcast: () => {},
    session: {
      // The simulated board paced at 2 Mbaud with real flash timings, over a counting transport.
      openLink: async () => {
        const pair = createMemoryDuplexPair()
        services.session.simulatedBoard.attach(pair.device)
        const n = ++connection
        const decoder = new FrameDecoder((f) => {
          if (f.header.chan !== Chan.BULK || f.header.type !== MsgType.CHUNK) return
          const c = decodeChunk(f.payload)
          chunks.push({ connection: n, offset: c.offset, bytes: c.data.length })
          const sent = chunks.reduce((a, x) => a + x.bytes, 0)
          if (options.cutAfterChunkBytes !== undefined && !cutDone && sent >= options.cutAfterChunkBytes) {
            cutDone = true
            setImmediate(() => pair.host.close())
          }
        }, 4096)
        const host = pair.host
        current = host
        return {
          write: (b: Uint8Array) => {
            decoder.push(b)
            host.write(b)
          },
          onData: (l: (b: Uint8Array) => void) => host.onData(l),
          onClose: (l: (err?: Error) => void) => host.onClose(l),
          close: () => host.close(),
        }
      },
    },
  })
  cleanups.push(async () => {
    await jobs.cancelAll()
    await services.dispose()
    rmSync(labFolder, { recursive: true, force: true })
  })
  return { labFolder, services, jobs, chunks, cut: () => current?.close(), connections: () => connection }
}

async function jobEnd(jobs: JobRegistry, id: string, timeoutMs = 60_000): Promise<string> {
  const t0 = Date.now()
  for (;;) {
    const state = jobs.get(id)?.state
    if (state && state !== 'running') return state
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} still running after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

function writeBlob(folder: string, name: string, blob: Uint8Array): string {
  const file = path.join(folder, name)
  writeFileSync(file, blob)
  return file
}

describe('deploy jobs to the board session', () => {
  it('an interrupted deploy resumes after the link is closed mid-transfer and sends only the missing bytes', async () => {
    // ~40 KB blob: 80 chunks of 512 B; the link is closed once 10 KB of chunk data were written.
    const blob = encodeModelBlob(randomModel(5, 64, 512, 32))
    expect(blob.length).toBeGreaterThan(30_000)
    const r = rig({ cutAfterChunkBytes: 10_000 })
    await r.services.session.connect('sim:board')
    const file = writeBlob(mkdtempSync(path.join(os.tmpdir(), 'spikelab-blob-')), 'model.blob', blob)
    const jobId = r.services.deploy.start(`file:${file}`, { confirm: 'auto' })
    expect(await jobEnd(r.jobs, jobId)).toBe('done')

    // The link was lost once and reopened by the session; the deploy finished on the second connection.
    expect(r.connections()).toBe(2)
    expect(r.services.session.current().losses).toBe(1)
    const before = r.chunks.filter((c) => c.connection === 1)
    const after = r.chunks.filter((c) => c.connection === 2)
    expect(before.length).toBeGreaterThan(0)
    expect(after.length).toBeGreaterThan(0)

    const [row] = r.services.history.list()
    expect(row.result).toBe('confirmed')
    expect(row.modelSha256).toBe(toHex(sha256(blob)))
    const resumed = row.resumedFrom
    // The board resumed from its verified prefix: more than nothing, no more than what reached it.
    expect(resumed).toBeGreaterThan(0)
    expect(resumed % 512).toBe(0)
    expect(resumed).toBeLessThanOrEqual(Math.max(...before.map((c) => c.offset + c.bytes)))
    // After the reconnect only the missing bytes travel: no chunk below the resume offset, each missing byte once.
    expect(Math.min(...after.map((c) => c.offset))).toBe(resumed)
    const uniqueAfter = new Map(after.map((c) => [c.offset, c.bytes]))
    expect([...uniqueAfter.values()].reduce((a, b) => a + b, 0)).toBe(blob.length - resumed)
    const wireAfter = after.reduce((a, c) => a + c.bytes, 0)
    expect(wireAfter).toBeLessThan(blob.length)
    // The history counts every chunk byte put on the wire, both connections.
    expect(row.bytesSent).toBe(r.chunks.reduce((a, c) => a + c.bytes, 0))
    expect(row.bytesTotal).toBe(blob.length)

    const caps = r.services.session.current().caps!
    expect(caps.activeSha256).toBe(toHex(sha256(blob)))
    expect(caps.activeMode).toBe('confirmed')
  })

  it('cancelling a deploy job stops sending at once; the next deploy resumes where the board stopped', async () => {
    const blob = encodeModelBlob(randomModel(6, 64, 512, 32))
    const r = rig()
    await r.services.session.connect('sim:board')
    const file = writeBlob(mkdtempSync(path.join(os.tmpdir(), 'spikelab-blob-')), 'model.blob', blob)
    const first = r.services.deploy.start(`file:${file}`)
    await expect.poll(() => r.chunks.reduce((a, c) => a + c.bytes, 0), { interval: 5 }).toBeGreaterThan(8000)
    expect(r.jobs.cancel(first)).toBe(true)
    expect(await jobEnd(r.jobs, first)).toBe('cancelled')
    const sentBefore = r.chunks.length
    await new Promise((res) => setTimeout(res, 300))
    expect(r.chunks.length).toBe(sentBefore) // nothing more after the cancel
    expect(r.services.history.list()[0]).toMatchObject({ result: 'cancelled' })
    await expect.poll(() => r.services.session.current().state).toBe('connected')

    const second = r.services.deploy.start(`file:${file}`)
    expect(await jobEnd(r.jobs, second)).toBe('done')
    const [row] = r.services.history.list()
    expect(row.result).toBe('confirmed')
    expect(row.resumedFrom).toBeGreaterThan(0)
    const after = r.chunks.slice(sentBefore)
    expect(Math.min(...after.map((c) => c.offset))).toBe(row.resumedFrom)
    expect(new Set(after.map((c) => c.offset)).size * 512).toBeGreaterThanOrEqual(blob.length - row.resumedFrom)
    expect(new Set(after.map((c) => c.offset)).size * 512).toBeLessThan(blob.length - row.resumedFrom + 512)
  })

  it('an unconfirmed TEST deploy reverts to the previous model after its timeout, and the history says so', async () => {
    const r = rig()
    await r.services.session.connect('sim:board')
    const first = r.services.deploy.start('demo:bar-position', { confirm: 'auto' })
    expect(await jobEnd(r.jobs, first)).toBe('done')
    const demoSha = r.services.session.current().caps!.activeSha256

    const blob = encodeModelBlob(randomModel(9))
    const file = writeBlob(mkdtempSync(path.join(os.tmpdir(), 'spikelab-blob-')), 'other.blob', blob)
    const second = r.services.deploy.start(`file:${file}`, { confirm: 'manual', confirmTimeoutS: 1 })
    expect(await jobEnd(r.jobs, second)).toBe('done')
    // Active in TEST, waiting for CONFIRM.
    expect(r.services.deploy.pending()?.modelSha256).toBe(toHex(sha256(blob)))
    expect(r.services.session.current().caps!.activeMode).toBe('test')
    expect(r.services.session.current().caps!.activeSha256).toBe(toHex(sha256(blob)))
    expect(r.services.history.list()[0].result).toBe('test')

    // Nobody confirms: the board reverts by itself (CONFIRM_TIMEOUT) and the lab records it.
    await expect.poll(() => r.services.history.list()[0].result, { timeout: 10_000 }).toBe('reverted')
    expect(r.services.deploy.pending()).toBeNull()
    await expect.poll(() => r.services.session.current().caps?.activeSha256, { timeout: 5000 }).toBe(demoSha)
    expect(r.services.session.current().caps!.activeMode).toBe('confirmed')

    const rows = r.services.history.list()
    expect(rows.map((x) => x.result)).toEqual(['reverted', 'confirmed'])
    expect(rows.map((x) => x.modelSha256)).toEqual([toHex(sha256(blob)), demoSha])
    expect(rows.every((x) => x.boardId === 'spikelab-sim-rp1' && x.endedAt !== null)).toBe(true)
    expect(rows[1].bytesSent).toBe(rows[1].bytesTotal)
  })

  it('a model over the board\'s CAPS is refused before a byte is sent, with the board\'s own error code', async () => {
    const r = rig()
    await r.services.session.connect('sim:board')
    // 4100 neurons in all layers: one more than RP1 allows would do; CAPS says 4096 (§16.1).
    const blob = encodeModelBlob(randomModel(3, 16, 4068, 32))
    const file = writeBlob(mkdtempSync(path.join(os.tmpdir(), 'spikelab-blob-')), 'big.blob', blob)
    const report = await r.services.deploy.compile(`file:${file}`)
    expect(report.neurons).toBe(4100)
    expect(report.capacity).toMatchObject({ checkedAgainst: 'spikelab-sim-rp1 (CAPS)', fits: false, code: 'CAPACITY_NEURONS' })
    const id = r.services.deploy.start(`file:${file}`)
    expect(await jobEnd(r.jobs, id)).toBe('failed')
    expect(r.jobs.get(id)!.error).toMatch(/n_neurons/)
    expect(r.chunks).toEqual([])
    const [row] = r.services.history.list()
    expect(row).toMatchObject({ result: 'failed', bytesSent: 0 })
    expect(row.detail).toMatch(/^CAPACITY_NEURONS/)
  })

  it('a TEST deploy confirmed by the person stays active; history rows survive reopening the catalog', async () => {
    const r = rig()
    await r.services.session.connect('sim:board')
    const id = r.services.deploy.start('demo:bar-position', { confirm: 'manual', confirmTimeoutS: 30 })
    expect(await jobEnd(r.jobs, id)).toBe('done')
    expect(r.services.session.current().caps!.activeMode).toBe('test')
    const { confirmed, modelSeq } = await r.services.deploy.confirm()
    expect(confirmed).toBe(true)
    expect(modelSeq).toBe(r.services.session.current().caps!.activeModelSeq)
    expect(r.services.session.current().caps!.activeMode).toBe('confirmed')
    expect(r.services.history.list()[0].result).toBe('confirmed')
    const reopened = new DeployHistory(path.join(r.labFolder, 'catalog.sqlite'))
    try {
      expect(reopened.list('spikelab-sim-rp1')).toEqual(r.services.history.list())
      expect(reopened.list('another-board')).toEqual([])
    } finally {
      reopened.close()
    }
  })
})

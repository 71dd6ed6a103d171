import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { BoardLinkClient, SerialDuplex } from '../../../native-bridge/board-link/index.js'
import type { SpikesEvent } from '../../../native-bridge/board-link/index.js'
import { Rp1Engine, encodeModelBlob, sha256, toHex } from '../../../native-bridge/engine/index.js'
import { repoRoot } from '../../support/fixtures.js'
import { lcg, randomEvents, randomModel } from '../../unit/board-link/random-model.js'

const procs: ChildProcess[] = []
const closers: (() => void)[] = []
afterEach(() => {
  for (const c of closers.splice(0)) c()
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill('SIGTERM')
})

/** A socat pty pair; resolves with both device paths. */
function ptyPair(): Promise<[string, string]> {
  return new Promise((resolve, reject) => {
    const socat = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] })
    procs.push(socat)
    const paths: string[] = []
    let buf = ''
    socat.stderr!.on('data', (d: Buffer) => {
      buf += d.toString()
      for (const m of buf.matchAll(/PTY is (\S+)/g)) if (!paths.includes(m[1])) paths.push(m[1])
      if (paths.length === 2) resolve([paths[0], paths[1]])
    })
    socat.on('error', reject)
    socat.on('exit', (c) => reject(new Error(`socat exited ${c}`)))
  })
}

/** The simulated board as its own process on one pty end. */
function boardProcess(ptyPath: string, extra: string[] = []): Promise<ChildProcess> {
  const tsx = path.join(repoRoot, 'node_modules/.bin/tsx')
  const p = spawn(tsx, [path.join(repoRoot, 'native-bridge/sim-board/pty-main.ts'), ptyPath, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] })
  procs.push(p)
  return new Promise((resolve, reject) => {
    p.stdout!.on('data', (d: Buffer) => d.toString().includes('serving') && resolve(p))
    p.on('exit', (c) => reject(new Error(`board process exited ${c}`)))
  })
}

async function hostOn(ptyPath: string): Promise<BoardLinkClient> {
  const link = await SerialDuplex.open(ptyPath)
  const client = new BoardLinkClient(link)
  closers.push(() => client.close())
  return client
}

describe('simulated board in its own process over a socat pty pair', () => {
  it('deploys through a power cut in the middle of the transfer and runs bit-identical to the host engine', async () => {
    const [a, b] = await ptyPair()
    await boardProcess(a, ['--power-cut', 'PROGRAM:9', '--flash-time-scale', '1'])
    const client = await hostOn(b)
    const model = randomModel(11)
    const blob = encodeModelBlob(model)
    const caps = await client.connect()
    expect(caps.boardId).toBe('spikelab-sim-rp1')
    expect(caps.linkBaud).toBe(2_000_000)

    const t0 = Date.now()
    const report = await client.deploy(blob)
    const ms = Date.now() - t0
    expect(report.sha256).toBe(toHex(sha256(blob)))
    expect(report.resumeOffsets).toEqual([0, 8 * 512]) // 8 chunks journaled before the cut at the 9th program
    expect(report.uniqueBytesPerBegin[1]).toBe(blob.length - 8 * 512)
    expect(report.lowestOffsetPerBegin[1]).toBe(report.resumeOffsets[1])
    expect(report.confirmed).toBe(true)
    expect((await client.getCaps()).bootCount).toBe(2)
    // Paced at 2 Mbaud = 200 kB/s and erasing 4 KiB sectors at 30 ms: the transfer cannot be instant.
    expect(ms).toBeGreaterThan(Math.floor(blob.length / 4096) * 30)

    const nAddr = (model.inputMap as { channels: Uint16Array }).channels.length
    const ticks = 300
    const ev = randomEvents(lcg(21), 4000, ticks, model.tickUs, nAddr)
    const engine = new Rp1Engine(model)
    const expected: [number, number][] = []
    let i = 0
    for (let k = 0; k < ticks; k++) {
      while (i < ev.tUs.length && ev.tUs[i] < (k + 1) * model.tickUs) engine.applyEvent(ev.addr[i++])
      for (const id of engine.step()) expected.push([k, id])
    }
    const got: [number, number][] = []
    const finished = new Promise<void>((resolve) =>
      client.on('spikes', (s: SpikesEvent) => {
        for (let j = 0; j < s.tick.length; j++) got.push([s.tick[j], s.id[j]])
        if (s.final) resolve()
      }),
    )
    await client.run({ stepped: true, resetFirst: true, stopAfter: ticks })
    await client.sendEvents(ev.tUs, ev.addr, ticks * model.tickUs)
    await finished
    expect(expected.length).toBeGreaterThan(50)
    expect(got).toEqual(expected)
    const state = await client.readState(engine.nNeurons)
    expect(Array.from(state.bytes)).toEqual(Array.from(engine.stateBytes()))
  })

  it('the host process side restarts mid-deploy (new port handle, new client) and resumes', async () => {
    const [a, b] = await ptyPair()
    await boardProcess(a, ['--flash-time-scale', '0'])
    const blob = encodeModelBlob(randomModel(12))
    const first = await hostOn(b)
    let acked = 0
    const progress = new Promise<void>((resolve, reject) => {
      first.deploy(blob, { onProgress: (off) => { acked = off; if (off >= 10 * 512) resolve() } }).catch((e) => (acked >= 10 * 512 ? undefined : reject(e)))
    })
    await progress
    first.close()
    const second = await hostOn(b)
    const report = await second.deploy(blob)
    expect(report.resumeOffsets[0]).toBeGreaterThanOrEqual(10 * 512)
    expect(report.uniqueBytesPerBegin[0]).toBe(blob.length - report.resumeOffsets[0])
    expect(report.lowestOffsetPerBegin[0]).toBe(report.resumeOffsets[0])
    expect(report.confirmed).toBe(true)
  })
})

/**
 * Board link host side after an unplug (board-link.md §12.1): the board comes back under another
 * path and is found again by vendor id, product id and serial number (an injected port lister
 * stands in for `SerialPort.list()`), then the link re-handshakes by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BoardLinkClient } from '../../../native-bridge/board-link/host-client.js'
import { RediscoveringDuplex, rehandshakeOnReconnect } from '../../../native-bridge/board-link/rediscovering-duplex.js'
import type { SerialPortInfo } from '../../../native-bridge/serial/discovery.js'
import { runSimBoardOnPath, type SimBoardOnPath } from '../../../native-bridge/sim-board/pty-main.js'

const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-rediscover-'))
const socats: ChildProcess[] = []
const boards: SimBoardOnPath[] = []
const closers: (() => void)[] = []

afterAll(() => {
  for (const c of closers) c()
  for (const b of boards) b.stop()
  for (const s of socats) s.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

async function plugIn(name: string): Promise<{ host: string; unplug: () => void }> {
  const host = path.join(dir, `${name}-host`)
  const device = path.join(dir, `${name}-device`)
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${device}`], { stdio: 'ignore' })
  socats.push(socat)
  while (!existsSync(host) || !existsSync(device)) await new Promise((r) => setTimeout(r, 20))
  const board = await runSimBoardOnPath(device)
  boards.push(board)
  return {
    host,
    unplug: () => {
      socat.kill('SIGKILL')
      board.stop()
    },
  }
}

const BOARD = { vendorId: '1209', productId: 'B0A2', serialNumber: 'RP1-0042', manufacturer: 'Spikelab' }

describe('board link rediscovery by USB identity', () => {
  it('after an unplug the board is found again under a new path by VID/PID/serial number and the link re-handshakes', async () => {
    const first = await plugIn('first')
    // Another board of the same kind is listed too: the serial number must tell them apart.
    let listed: SerialPortInfo[] = [{ path: path.join(dir, 'not-this-one'), ...BOARD, serialNumber: 'RP1-0001' }, { path: first.host, ...BOARD }]
    let listings = 0
    const duplex = await RediscoveringDuplex.open({
      match: { vendorId: '1209', productId: 'b0a2', serialNumber: 'RP1-0042' },
      lister: async () => {
        listings++
        return listed
      },
      presenceIntervalMs: 200,
      backoffInitialMs: 100,
      backoffMaxMs: 400,
    })
    const client = new BoardLinkClient(duplex)
    closers.push(() => client.close())
    const states: string[] = []
    duplex.onLinkState((s, reason) => states.push(reason ? `${s}: ${reason}` : s))
    rehandshakeOnReconnect(duplex, client)
    expect(duplex.path).toBe(first.host)
    const caps = await client.connect()
    expect(client.state).toBe('CONNECTED')

    first.unplug()
    listed = listed.filter((p) => p.path !== first.host) // the OS drops it from the list
    await expect.poll(() => states.some((s) => s.startsWith('lost')), { timeout: 10_000 }).toBe(true)
    const second = await plugIn('second')
    listed = [...listed, { path: second.host, ...BOARD }]
    await expect.poll(() => duplex.path, { timeout: 15_000 }).toBe(second.host)
    // The link re-handshakes by itself; then requests work again.
    await expect.poll(async () => (await client.getCaps().catch(() => null))?.profiles, { timeout: 15_000 }).toBe(caps.profiles)
    expect(client.state).toBe('CONNECTED')
    expect(listings).toBeGreaterThan(2)
  }, 60_000)
})

/**
 * The lab's board service follows a board by its USB identity (board-link.md §12.1), as the sensor
 * does: connected on a port the system lists with vendor id, product id and serial number, the board
 * is unplugged, comes back under another path, is found again, the link re-handshakes by itself, and
 * the status says lost, then connected, with the new path. An injected lister stands in for
 * `SerialPort.list()`; socat ptys and the simulated board stand in for the USB device.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { BoardStatus } from '../../../common/contract/schemas.js'
import { BoardSession } from '../../../main/lab/board/board-session.js'
import type { SerialPortInfo } from '../../../native-bridge/serial/discovery.js'
import { runSimBoardOnPath, type SimBoardOnPath } from '../../../native-bridge/sim-board/pty-main.js'

const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-board-rediscover-'))
const socats: ChildProcess[] = []
const boards: SimBoardOnPath[] = []
const sessions: BoardSession[] = []

afterAll(() => {
  for (const s of sessions) s.close()
  for (const b of boards) b.stop()
  for (const s of socats) s.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

/** A pty pair with the simulated board on its device end (or, with `silent`, nothing answering yet). */
async function plugIn(name: string, silent = false): Promise<{ host: string; device: string; unplug: () => void }> {
  const host = path.join(dir, `${name}-host`)
  const device = path.join(dir, `${name}-device`)
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${device}`], { stdio: 'ignore' })
  socats.push(socat)
  while (!existsSync(host) || !existsSync(device)) await new Promise((r) => setTimeout(r, 20))
  const board = silent ? null : await runSimBoardOnPath(device)
  if (board) boards.push(board)
  return {
    device,
    host,
    unplug: () => {
      socat.kill('SIGKILL')
      board?.stop()
    },
  }
}

const BOARD = { vendorId: '1209', productId: 'B0A2', serialNumber: 'RP1-0042', manufacturer: 'Spikelab' }

describe('BoardSession rediscovers its board by USB identity', () => {
  it('lost on unplug, found again under a new path, re-handshaken, reported in the status', async () => {
    const first = await plugIn('first')
    // A twin of the same kind is listed too: only the serial number tells them apart.
    let listed: SerialPortInfo[] = [{ path: path.join(dir, 'twin'), ...BOARD, serialNumber: 'RP1-0001' }, { path: first.host, ...BOARD }]
    const states: BoardStatus['state'][] = []
    const session = new BoardSession(
      (s) => {
        if (states.at(-1) !== s.state) states.push(s.state)
      },
      { rediscovery: { lister: async () => listed, presenceIntervalMs: 200, backoffInitialMs: 100, backoffMaxMs: 400 } },
    )
    sessions.push(session)

    // The person picked the device node itself; the list names it through a link: same port.
    const connected = await session.connect(realpathSync(first.host))
    expect(connected.state).toBe('connected')
    // The port is opened under the name the list gives it.
    expect(connected.rediscovery).toEqual({ vendorId: '1209', productId: 'B0A2', serialNumber: 'RP1-0042', path: first.host, reconnects: 0 })
    const caps = connected.caps
    expect(caps?.boardId).toBeTruthy()

    first.unplug()
    listed = listed.filter((p) => p.path !== first.host) // the OS drops it from the list
    await expect.poll(() => session.current().state, { timeout: 10_000 }).toBe('lost')
    expect(session.current().losses).toBe(1)
    expect(session.current().lastError).toBeTruthy()

    const second = await plugIn('second')
    listed = [...listed, { path: second.host, ...BOARD }]
    await expect.poll(() => session.current().state, { timeout: 20_000 }).toBe('connected')
    const back = session.current()
    expect(back.rediscovery).toEqual({ vendorId: '1209', productId: 'B0A2', serialNumber: 'RP1-0042', path: second.host, reconnects: 1 })
    expect(back.losses).toBe(1)
    expect(back.lastError).toBeNull()
    // The same client works again: a request round trip on the new port.
    const fresh = await session.refreshCaps()
    expect(fresh?.boardId).toBe(caps?.boardId)
    expect(states).toEqual(['connecting', 'connected', 'lost', 'connected'])

    await session.disconnect()
    expect(session.current().state).toBe('disconnected')
  }, 60_000)

  it('a board that comes back but does not answer the handshake is dropped and retried until it does', async () => {
    const first = await plugIn('hs-first')
    let listed: SerialPortInfo[] = [{ path: first.host, ...BOARD }]
    const states: BoardStatus['state'][] = []
    const session = new BoardSession((st) => states.at(-1) !== st.state && states.push(st.state), { rediscovery: { lister: async () => listed, presenceIntervalMs: 200, backoffInitialMs: 100, backoffMaxMs: 400 } })
    sessions.push(session)
    expect((await session.connect(first.host)).state).toBe('connected')
    first.unplug()
    listed = []
    await expect.poll(() => session.current().state, { timeout: 10_000 }).toBe('lost')

    // Back on a port where nothing answers HELLO yet (a board still booting): the handshake times
    // out (T_HANDSHAKE 3 s), the port is dropped and found again, and the next handshake works.
    const second = await plugIn('hs-second', true)
    listed = [{ path: second.host, ...BOARD }]
    await expect.poll(() => session.current().rediscovery?.reconnects, { timeout: 10_000 }).toBe(1)
    await expect.poll(() => session.current().rediscovery?.reconnects, { timeout: 15_000 }).toBeGreaterThanOrEqual(2)
    expect(session.current().state).toBe('lost')
    boards.push(await runSimBoardOnPath(second.device))
    await expect.poll(() => session.current().state, { timeout: 20_000 }).toBe('connected')
    // One loss: the client's own heartbeat timeout, later than the port's, is the same loss.
    expect(session.current().losses).toBe(1)
    expect(states).toEqual(['connecting', 'connected', 'lost', 'connected'])
    expect((await session.refreshCaps())?.boardId).toBeTruthy()
    await session.disconnect()
  }, 60_000)

  it('a port without a listed USB identity (a pty) is opened by its path, as before', async () => {
    const plain = await plugIn('plain')
    const session = new BoardSession(() => {}, { rediscovery: { lister: async () => [{ path: path.join(dir, 'elsewhere'), ...BOARD }] } })
    sessions.push(session)
    const status = await session.connect(plain.host)
    expect(status.state).toBe('connected')
    expect(status.rediscovery).toBeNull()
    await session.disconnect()
  }, 30_000)
})

/**
 * The serial transport's silence handling (edvs-serial.md §10.4): CONNECTED → SUSPECT when the
 * heartbeat is late (same port, same listeners, reading goes on) → CONNECTED when data comes, or
 * → LOST on a port error, 'close', the port vanishing, or silence beyond `lostAfterSilenceMs`.
 */
import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { SpikelabError } from '../../../common/errors.js'
import type { SerialPortInfo } from '../../../native-bridge/serial/discovery.js'
import type { PortOpenOptions, SerialPortLike, SerialTransportOptions, TransportState } from '../../../native-bridge/serial/transport.js'
import { LOST_AFTER_SILENCE_MS, SerialTransport } from '../../../native-bridge/serial/transport.js'

class FakePort extends EventEmitter implements SerialPortLike {
  isOpen = false
  closes = 0
  written: Uint8Array[] = []
  constructor(readonly options: PortOpenOptions) {
    super()
  }
  open(cb: (err: Error | null) => void): void {
    setImmediate(() => {
      this.isOpen = true
      cb(null)
    })
  }
  write(data: Uint8Array): boolean {
    this.written.push(data)
    return true
  }
  close(cb?: (err: Error | null) => void): void {
    this.isOpen = false
    this.closes++
    cb?.(null)
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const transports: SerialTransport[] = []
afterEach(async () => {
  for (const t of transports.splice(0)) await t.close()
})

interface Change {
  state: TransportState
  reason?: string
  previous?: TransportState
}

function silentTransport(opts: Partial<SerialTransportOptions> = {}) {
  const ports: FakePort[] = []
  const t = new SerialTransport({
    path: '/dev/ttyFAKE0',
    baudRate: 4_000_000,
    backoffInitialMs: 20,
    backoffMaxMs: 80,
    presenceIntervalMs: 0,
    heartbeatTimeoutMs: 100,
    lostAfterSilenceMs: 600,
    portFactory: (o) => {
      const p = new FakePort(o)
      ports.push(p)
      return p
    },
    ...opts,
  })
  transports.push(t)
  const changes: Change[] = []
  t.onState((state, reason, previous) => changes.push({ state, reason, previous }))
  const got: number[] = []
  t.onData((c) => got.push(...c))
  return { t, ports, changes, got }
}

describe('SerialTransport: suspect, not lost, when the device is silent', () => {
  it('CONNECTED → SUSPECT after the heartbeat: the port and its listeners are kept, writes still go out', async () => {
    const { t, ports, changes } = silentTransport()
    await t.open()
    t.setExpectData(true)
    await expect.poll(() => t.state, { timeout: 2000, interval: 10 }).toBe('suspect')
    expect(changes.at(-1)).toMatchObject({ state: 'suspect', previous: 'connected' })
    expect(changes.at(-1)?.reason).toMatch(/no data for \d+ ms/)
    expect(ports).toHaveLength(1)
    expect(ports[0].isOpen).toBe(true)
    expect(ports[0].closes).toBe(0)
    expect(ports[0].listenerCount('data')).toBe(1)
    expect(t.stats).toMatchObject({ losses: 0, suspects: 1, connects: 1 })
    await t.write(Uint8Array.of(0x45))
    expect(ports[0].written).toHaveLength(1)
  })

  it('SUSPECT → CONNECTED on the next data: same port, every byte delivered, no loss, no reopen', async () => {
    const { t, ports, changes, got } = silentTransport()
    await t.open()
    t.setExpectData(true)
    ports[0].emit('data', Buffer.from([1, 2, 3]))
    await expect.poll(() => t.state, { timeout: 2000, interval: 10 }).toBe('suspect')
    ports[0].emit('data', Buffer.from([4, 5]))
    expect(t.state).toBe('connected')
    expect(changes.at(-1)).toEqual({ state: 'connected', reason: 'data resumed', previous: 'suspect' })
    expect(got).toEqual([1, 2, 3, 4, 5])
    // It can go suspect again, and it never reopened the port.
    await expect.poll(() => t.state, { timeout: 2000, interval: 10 }).toBe('suspect')
    ports[0].emit('data', Buffer.from([6]))
    expect(got).toEqual([1, 2, 3, 4, 5, 6])
    expect(ports).toHaveLength(1)
    expect(t.stats).toMatchObject({ losses: 0, suspects: 2, connects: 1 })
    expect(changes.map((c) => c.state)).toEqual(['connecting', 'connected', 'suspect', 'connected', 'suspect', 'connected'])
  })

  it('SUSPECT → LOST when the silence outlasts lostAfterSilenceMs: the port is dropped and reopened', async () => {
    const { t, ports, changes } = silentTransport()
    await t.open()
    t.setExpectData(true)
    const startedAt = Date.now()
    await expect.poll(() => changes.some((c) => c.state === 'lost'), { timeout: 3000, interval: 10 }).toBe(true)
    const lostAfter = Date.now() - startedAt
    expect(lostAfter).toBeGreaterThanOrEqual(600)
    const lost = changes.find((c) => c.state === 'lost')!
    expect(lost.previous).toBe('suspect')
    expect(lost.reason).toMatch(/no data for \d+ ms: the device is treated as hung/)
    expect(ports[0].isOpen).toBe(false)
    await expect.poll(() => ports.length, { timeout: 2000, interval: 10 }).toBe(2)
    await expect.poll(() => t.stats.connects, { timeout: 2000, interval: 10 }).toBe(2)
    expect(t.stats.losses).toBe(1)
  })

  it('SUSPECT → LOST at once on a port error, close, or the port vanishing (one loss each)', async () => {
    for (const cause of ['error', 'close', 'vanish'] as const) {
      let listed: SerialPortInfo[] = [{ path: '/dev/ttyUSB0', vendorId: '0403', productId: '6010', serialNumber: 'EDVS1' }]
      const { t, ports, changes } = silentTransport(
        cause === 'vanish' ? { path: undefined, match: { vendorId: '0403', serialNumber: 'EDVS1' }, lister: async () => listed, presenceIntervalMs: 50, reconnect: false } : { reconnect: false },
      )
      await t.open()
      t.setExpectData(true)
      await expect.poll(() => t.state, { timeout: 2000, interval: 10 }).toBe('suspect')
      if (cause === 'error') ports[0].emit('error', new Error('EIO'))
      if (cause === 'close') ports[0].emit('close', Object.assign(new Error('disconnected'), { disconnected: true }))
      if (cause === 'vanish') listed = []
      await expect.poll(() => t.state, { timeout: 2000, interval: 10 }).toBe('lost')
      const lost = changes.filter((c) => c.state === 'lost')
      expect(lost).toHaveLength(1)
      expect(lost[0].previous).toBe('suspect')
      expect(lost[0].reason).toMatch(cause === 'error' ? /port error: EIO/ : cause === 'close' ? /port closed/ : /no longer listed/)
      expect(t.stats.losses).toBe(1)
      expect(ports[0].isOpen).toBe(false)
      await t.close()
      await t.close()
      expect(t.state).toBe('closed')
    }
  })

  it('a write waiting for drain survives SUSPECT and fails only on a loss', async () => {
    const { t, ports } = silentTransport({ reconnect: false })
    await t.open()
    ports[0].write = (d: Uint8Array) => {
      ports[0].written.push(d)
      return false
    }
    t.setExpectData(true)
    let settled: string | undefined
    const w = t.write(Uint8Array.of(1)).then(
      () => (settled = 'drained'),
      (e: unknown) => (settled = e instanceof SpikelabError ? e.code : 'other'),
    )
    await expect.poll(() => t.state, { timeout: 2000, interval: 10 }).toBe('suspect')
    await sleep(10)
    expect(settled).toBeUndefined()
    ports[0].emit('close')
    await w
    expect(settled).toBe('SERIAL_LOST')
  })

  it('no data expected: silence is neither suspect nor lost, and dropping the expectation ends a suspect spell', async () => {
    const { t, changes } = silentTransport()
    await t.open()
    await sleep(800)
    expect(t.state).toBe('connected')
    t.setExpectData(true)
    await expect.poll(() => t.state, { timeout: 2000, interval: 10 }).toBe('suspect')
    t.setExpectData(false)
    expect(t.state).toBe('connected')
    expect(changes.at(-1)).toMatchObject({ state: 'connected', previous: 'suspect' })
    await sleep(800)
    expect(t.stats.losses).toBe(0)
  })

  it('lostAfterSilenceMs 0 keeps a silent link suspect for good; markLost still loses it', async () => {
    const { t } = silentTransport({ lostAfterSilenceMs: 0, reconnect: false })
    await t.open()
    t.setExpectData(true)
    await sleep(800)
    expect(t.state).toBe('suspect')
    t.markLost('handshake failed')
    expect(t.state).toBe('lost')
    expect(t.stats.losses).toBe(1)
  })

  it('defaults to 10 s before a silent device counts as hung, and rejects a lost timeout below the heartbeat', () => {
    expect(LOST_AFTER_SILENCE_MS).toBe(10_000)
    expect(() => new SerialTransport({ path: '/dev/x', baudRate: 9600, heartbeatTimeoutMs: 1000, lostAfterSilenceMs: 500 })).toThrow(/lostAfterSilenceMs must be 0 \(off\) or at least heartbeatTimeoutMs \(1000 ms\), got 500/)
    expect(() => new SerialTransport({ path: '/dev/x', baudRate: 9600, heartbeatTimeoutMs: 1000, lostAfterSilenceMs: -1 })).toThrow(SpikelabError)
  })
})

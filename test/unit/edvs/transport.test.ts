import { EventEmitter } from 'node:events'
import { SerialPortMock } from 'serialport'
import { afterEach, describe, expect, it } from 'vitest'
import { SpikelabError } from '../../../common/errors.js'
import type { SerialPortInfo } from '../../../native-bridge/serial/discovery.js'
import { findPort, listSerialPorts } from '../../../native-bridge/serial/discovery.js'
import type { PortOpenOptions, SerialPortLike, TransportState } from '../../../native-bridge/serial/transport.js'
import { SerialTransport } from '../../../native-bridge/serial/transport.js'

/** A scriptable port: tests decide when opens fail, when writes block and when the port dies. */
class FakePort extends EventEmitter implements SerialPortLike {
  isOpen = false
  full = false
  written: Uint8Array[] = []
  constructor(
    readonly options: PortOpenOptions,
    private readonly failOpen: boolean,
  ) {
    super()
  }
  open(cb: (err: Error | null) => void): void {
    setImmediate(() => {
      if (this.failOpen) return cb(new Error('ENOENT: no such file'))
      this.isOpen = true
      cb(null)
    })
  }
  write(data: Uint8Array): boolean {
    this.written.push(data)
    return !this.full
  }
  close(cb?: (err: Error | null) => void): void {
    this.isOpen = false
    cb?.(null)
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const open: SerialTransport[] = []
afterEach(async () => {
  for (const t of open.splice(0)) await t.close()
})

function transportWith(opts: Partial<ConstructorParameters<typeof SerialTransport>[0]>, failFirst = 0) {
  const ports: FakePort[] = []
  let attempts = 0
  const t = new SerialTransport({
    path: '/dev/ttyFAKE0',
    baudRate: 4_000_000,
    backoffInitialMs: 20,
    backoffMaxMs: 80,
    presenceIntervalMs: 0,
    portFactory: (o) => {
      const p = new FakePort(o, attempts++ < failFirst)
      ports.push(p)
      return p
    },
    ...opts,
  })
  open.push(t)
  const states: TransportState[] = []
  t.onState((s) => states.push(s))
  return { t, ports, states }
}

describe('SerialTransport', () => {
  it('opens with RTS/CTS by default and copies every chunk out of the shared pool', async () => {
    const { t, ports } = transportWith({})
    await t.open()
    expect(ports[0].options).toEqual({ path: '/dev/ttyFAKE0', baudRate: 4_000_000, rtscts: true })
    const got: Uint8Array[] = []
    t.onData((c) => got.push(c))
    const pool = Buffer.from([1, 2, 3, 4])
    ports[0].emit('data', pool.subarray(1, 3))
    pool.fill(9)
    expect(Array.from(got[0])).toEqual([2, 3])
    expect(t.stats.bytesIn).toBe(2)
  })

  it('honours backpressure: write() resolves only after drain', async () => {
    const { t, ports } = transportWith({})
    await t.open()
    ports[0].full = true
    let done = false
    const w = t.write(Uint8Array.of(1, 2)).then(() => (done = true))
    await sleep(20)
    expect(done).toBe(false)
    ports[0].emit('drain')
    await w
    expect(done).toBe(true)
  })

  it('a write waiting for drain fails when the port is lost', async () => {
    const { t, ports } = transportWith({ reconnect: false })
    await t.open()
    ports[0].full = true
    const w = t.write(Uint8Array.of(1))
    ports[0].emit('close', Object.assign(new Error('disconnected'), { disconnected: true }))
    await expect(w).rejects.toThrow(SpikelabError)
  })

  it('retries a failing first open with backoff, then reconnects after a disconnect', async () => {
    const { t, ports, states } = transportWith({}, 2)
    await t.open()
    expect(ports.length).toBe(3)
    ports[2].emit('close', new Error('Port disconnected'))
    await sleep(60)
    expect(t.state).toBe('connected')
    expect(ports.length).toBe(4)
    expect(t.stats.losses).toBe(1)
    expect(states.filter((s) => s === 'connected').length).toBe(2)
  })

  it('treats errors and a second close as one loss (idempotent)', async () => {
    const { t, ports } = transportWith({ reconnect: false })
    await t.open()
    ports[0].emit('error', new Error('EIO'))
    ports[0].emit('close', new Error('EIO'))
    expect(t.stats.losses).toBe(1)
    expect(t.state).toBe('lost')
    await t.close()
    await t.close()
    expect(t.state).toBe('closed')
    await expect(t.write(Uint8Array.of(1))).rejects.toThrow(/closed/)
  })

  it('reports heartbeat silence while data is expected (as suspect: the port is kept, §10.4)', async () => {
    const { t } = transportWith({ reconnect: false, heartbeatTimeoutMs: 100 })
    const reasons: string[] = []
    t.onState((s, r) => s === 'suspect' && reasons.push(r ?? ''))
    await t.open()
    await sleep(200)
    expect(t.state).toBe('connected') // silence is fine while no data is expected
    t.setExpectData(true)
    await sleep(250)
    expect(reasons[0]).toMatch(/no data/)
  })

  it('finds the device again by USB identity when it comes back under another path', async () => {
    let listing: SerialPortInfo[] = [{ path: '/dev/ttyUSB0', vendorId: '0403', productId: '6010', serialNumber: 'EDVS42' }]
    const { t, ports } = transportWith({ path: undefined, match: { vendorId: '0403', serialNumber: 'edvs42' }, lister: async () => listing, presenceIntervalMs: 50 })
    await t.open()
    expect(t.path).toBe('/dev/ttyUSB0')
    listing = []
    await sleep(150)
    expect(t.state).not.toBe('connected')
    listing = [{ path: '/dev/ttyUSB3', vendorId: '0403', productId: '6010', serialNumber: 'EDVS42' }]
    await sleep(250)
    expect(t.state).toBe('connected')
    expect(t.path).toBe('/dev/ttyUSB3')
    expect(ports.at(-1)?.options.path).toBe('/dev/ttyUSB3')
  })

  it('rejects a failed open without reconnect, and bad options, with SpikelabError', async () => {
    const { t } = transportWith({ reconnect: false }, 1)
    await expect(t.open()).rejects.toThrow(/cannot open \/dev\/ttyFAKE0/)
    expect(() => new SerialTransport({ baudRate: 9600 })).toThrow(SpikelabError)
    expect(() => new SerialTransport({ path: '/dev/x', baudRate: 0 })).toThrow(/baud/)
  })

  it('works over serialport’s own mock binding', async () => {
    SerialPortMock.binding.createPort('/dev/ttyMOCK', { echo: false, record: true })
    let mock: SerialPortMock | undefined
    const t = new SerialTransport({
      path: '/dev/ttyMOCK',
      baudRate: 115200,
      presenceIntervalMs: 0,
      reconnect: false,
      portFactory: (o) => (mock = new SerialPortMock({ path: o.path, baudRate: o.baudRate, autoOpen: false })),
    })
    open.push(t)
    await t.open()
    const got: number[] = []
    t.onData((c) => got.push(...c))
    mock?.port?.emitData(Buffer.from('E+\n'))
    await t.write(new TextEncoder().encode('R\n'))
    await sleep(20)
    expect(String.fromCharCode(...got)).toBe('E+\n')
    expect(mock?.port?.recording.toString()).toBe('R\n')
    SerialPortMock.binding.reset()
  })
})

describe('port discovery', () => {
  it('never throws when listing fails (udevadm missing in a container)', async () => {
    const r = await listSerialPorts(async () => {
      throw new Error('spawn udevadm ENOENT')
    })
    expect(r).toEqual({ ports: [], error: 'spawn udevadm ENOENT' })
  })

  it('matches VID/PID case-insensitively', async () => {
    const lister = async () => [{ path: '/dev/ttyS0' }, { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6010' }]
    expect((await findPort({ vendorId: '0403', productId: '6010' }, lister))?.path).toBe('/dev/ttyUSB0')
    expect(await findPort({ vendorId: '0403', productId: '6001' }, lister)).toBeUndefined()
  })
})

import { describe, expect, it } from 'vitest'
import { createMemoryDuplexPair } from '../../../native-bridge/board-link/index.js'
import { SwitchableDuplex } from '../../../main/lab/board/switchable-duplex.js'

const tick = () => new Promise((r) => setImmediate(r))

describe('SwitchableDuplex (one link client across transports)', () => {
  it('forwards both ways, reports a closed transport once, drops writes while detached, and takes a new transport', async () => {
    const d = new SwitchableDuplex()
    const received: number[] = []
    const closes: string[] = []
    d.onData((b) => received.push(...b))
    d.onClose(() => closes.push('client'))
    const lost: number[] = []

    const p1 = createMemoryDuplexPair()
    const atDevice1: number[] = []
    p1.device.onData((b) => atDevice1.push(...b))
    d.attach(p1.host, () => lost.push(1))
    d.write(new Uint8Array([1, 2]))
    p1.device.write(new Uint8Array([9]))
    await tick()
    expect(atDevice1).toEqual([1, 2])
    expect(received).toEqual([9])

    p1.device.close() // the cable is pulled
    expect(closes).toEqual(['client'])
    expect(lost).toEqual([1])
    expect(d.attached).toBe(false)
    d.write(new Uint8Array([3])) // nowhere to go
    expect(d.bytesWritten).toBe(2)

    const p2 = createMemoryDuplexPair()
    const atDevice2: number[] = []
    p2.device.onData((b) => atDevice2.push(...b))
    d.attach(p2.host, () => lost.push(2))
    d.write(new Uint8Array([4]))
    p2.device.write(new Uint8Array([8]))
    await tick()
    expect(atDevice2).toEqual([4])
    expect(received).toEqual([9, 8])

    // Detaching on purpose closes the transport without reporting a loss; closing ends it for good.
    d.detach()
    expect(lost).toEqual([1])
    d.close()
    const p3 = createMemoryDuplexPair()
    let p3Closed = false
    p3.device.onClose(() => (p3Closed = true))
    d.attach(p3.host, () => lost.push(3))
    expect(p3Closed).toBe(true)
  })
})

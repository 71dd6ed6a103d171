import { describe, expect, it } from 'vitest'
import { encodeEventFrame } from '../../../common/contract/binary-frames.js'
import { LabRequestError, type ConnectionState } from '../../../common/contract/lab-api.js'
import { connectInMemoryLab } from '../../support/in-memory-lab.js'

/** Client and server joined in memory the way a shell joins them, messages arriving later as over a socket. */
const connected = () => connectInMemoryLab('spikelab-test-', { asynchronous: true })

describe('LabApi client over a transport', () => {
  it('resolves typed results', async () => {
    const { client } = connected()
    const info = await client.request('app.info', {})
    expect(info).toMatchObject({ name: 'Spikelab', shell: 'host' })
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('rejects with the wire error, field names included', async () => {
    const { client } = connected()
    // A wrong shape as a buggy or hostile page would send it (the type system would stop our own code).
    const bad = client.request('jobs.cancel', { jobId: 5 } as unknown as { jobId: string })
    await expect(bad).rejects.toBeInstanceOf(LabRequestError)
    await bad.catch((err: LabRequestError) => expect(err.wire.issues?.[0]?.path).toBe('params.jobId'))
  })

  it('delivers pushed events and binary frames to their listeners only until unsubscribed', async () => {
    const { lab, client, session } = connected()
    const seen: string[] = []
    const off = client.on('jobs.update', (job) => seen.push(job.state))
    await lab.jobs.start('x', 'x', async () => 1).done
    await new Promise((r) => setTimeout(r, 0))
    expect(seen).toEqual(['running', 'done'])
    off()
    await lab.jobs.start('x', 'x', async () => 1).done
    await new Promise((r) => setTimeout(r, 0))
    expect(seen).toHaveLength(2)

    const stream = session.openStream(() => undefined)
    const counts: number[] = []
    client.onFrames(stream.streamId, (f) => counts.push(f.kind === 'events' ? f.batch.t.length : -1))
    client.onFrames(stream.streamId + 1, () => counts.push(-99))
    stream.send(encodeEventFrame(stream.streamId, { t: Float64Array.from([1, 2]), x: Uint16Array.from([1, 2]), y: Uint16Array.from([1, 2]), p: Uint8Array.from([0, 1]) }))
    await new Promise((r) => setTimeout(r, 0))
    expect(counts).toEqual([2])
  })

  it('closing a stream runs its close hook once; the connection closing rejects pending requests', async () => {
    const { client, session, sink } = connected()
    let closed = 0
    const stream = session.openStream(() => closed++)
    await expect(client.request('streams.close', { streamId: stream.streamId })).resolves.toEqual({ closed: true })
    await expect(client.request('streams.close', { streamId: stream.streamId })).resolves.toEqual({ closed: false })
    expect(closed).toBe(1)

    const states: ConnectionState[] = []
    client.onConnection((s) => states.push(s))
    const pending = client.request('app.info', {})
    sink().state('closed')
    await expect(pending).rejects.toThrow(/closed/)
    expect(states).toEqual(['closed'])
  })
})

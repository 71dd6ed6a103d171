import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ServerMessage, WireError } from '../../../common/contract/wire.js'
import { createLab } from '../../../main/lab/lab.js'

function harness() {
  const lab = createLab({
    shell: 'host',
    labFolder: mkdtempSync(path.join(os.tmpdir(), 'spikelab-test-')),
    listPorts: async () => [{ path: '/dev/ttyUSB0', manufacturer: 'iniLabs', vendorId: '0403', productId: '6014', serialNumber: 'EDVS42', pnpId: null }],
  })
  const sent: ServerMessage[] = []
  const session = lab.server.connect({ message: (m) => sent.push(m), binary: () => true })
  return { lab, sent, session }
}

function errorOf(message: ServerMessage | undefined): WireError {
  if (!message || message.type !== 'response' || !('error' in message)) throw new Error(`expected an error reply, got ${JSON.stringify(message)}`)
  return message.error
}

describe('LabServer: every message is validated where it enters the main side', () => {
  it('answers a valid request with a result that passed its schema', async () => {
    const { sent, session } = harness()
    await session.handleText(JSON.stringify({ type: 'request', id: 1, method: 'devices.list', params: {} }))
    const reply = sent[0]
    expect(reply).toMatchObject({ type: 'response', id: 1 })
    if (reply.type !== 'response' || !('result' in reply)) throw new Error('no result')
    const list = reply.result as { ports: { path: string; vendorId: string }[]; simulated: { id: string }[] }
    expect(list.ports).toEqual([expect.objectContaining({ path: '/dev/ttyUSB0', vendorId: '0403', serialNumber: 'EDVS42' })])
    expect(list.simulated.map((d) => d.id)).toEqual(['sim:edvs', 'sim:board'])
  })

  it('names the offending field of wrong-shaped params', async () => {
    const { sent, session } = harness()
    await session.handleText(JSON.stringify({ type: 'request', id: 7, method: 'devices.list', params: { refresh: 'yes' } }))
    const error = errorOf(sent[0])
    expect(sent[0]).toMatchObject({ id: 7 })
    expect(error.code).toBe('schema')
    expect(error.issues?.map((i) => i.path)).toEqual(['params.refresh'])
    expect(error.message).toContain('params.refresh')
  })

  it('rejects unknown params fields, naming them', async () => {
    const { sent, session } = harness()
    await session.handleMessage({ type: 'request', id: 2, method: 'jobs.cancel', params: { jobId: 'x', force: true } })
    const error = errorOf(sent[0])
    expect(error.code).toBe('schema')
    expect(error.message).toMatch(/force/)
  })

  it('names envelope fields: a missing id, a wrong type, an unknown method', async () => {
    const { sent, session } = harness()
    await session.handleMessage({ type: 'request', method: 'app.info', params: {} })
    expect(errorOf(sent[0]).issues?.map((i) => i.path)).toContain('id')
    expect(sent[0]).toMatchObject({ id: null })
    await session.handleMessage({ type: 'subscribe', id: 3, method: 'app.info' })
    expect(errorOf(sent[1]).issues?.map((i) => i.path)).toContain('type')
    await session.handleMessage({ type: 'request', id: 4, method: 'fs.readFile', params: {} })
    expect(errorOf(sent[2])).toMatchObject({ code: 'unknown-method', issues: [{ path: 'method' }] })
    expect(sent[2]).toMatchObject({ id: 4 })
  })

  it('answers text that is not JSON, and inherited property names are not methods', async () => {
    const { sent, session } = harness()
    await session.handleText('{not json')
    expect(errorOf(sent[0]).message).toMatch(/not valid JSON/)
    await session.handleMessage({ type: 'request', id: 5, method: 'constructor', params: {} })
    expect(errorOf(sent[1]).code).toBe('unknown-method')
    await session.handleMessage({ type: 'request', id: 6, method: '__proto__', params: {} })
    expect(errorOf(sent[2]).code).toBe('unknown-method')
  })

  it('broadcasts job updates to every connected session and closes sessions cleanly', async () => {
    const { lab, sent, session } = harness()
    const other: ServerMessage[] = []
    const second = lab.server.connect({ message: (m) => other.push(m), binary: () => true })
    expect(lab.server.connectionCount).toBe(2)
    const job = lab.jobs.start('test', 'a job', async () => 'ok')
    await job.done
    const updates = (msgs: ServerMessage[]) => msgs.filter((m) => m.type === 'event' && m.event === 'jobs.update')
    expect(updates(sent).length).toBeGreaterThanOrEqual(2)
    expect(updates(other).length).toBe(updates(sent).length)
    second.close()
    second.close() // idempotent
    session.close()
    expect(lab.server.connectionCount).toBe(0)
  })

  it('a service failure becomes an error reply, not a crash', async () => {
    const lab = createLab({ shell: 'host', labFolder: mkdtempSync(path.join(os.tmpdir(), 'spikelab-test-')), listPorts: async () => { throw new Error('udevadm not found') } })
    const sent: ServerMessage[] = []
    const session = lab.server.connect({ message: (m) => sent.push(m), binary: () => true })
    await session.handleMessage({ type: 'request', id: 1, method: 'devices.list', params: { refresh: true } })
    const reply = sent.find((m) => m.type === 'response')
    if (!reply || reply.type !== 'response' || !('result' in reply)) throw new Error('expected a result')
    expect((reply.result as { listError: string }).listError).toMatch(/udevadm not found/)
  })
})

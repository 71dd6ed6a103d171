import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startHostProcess, type HostProcess } from '../../support/host-process.js'

/** Sends every message and resolves with the replies, in order (the host answers each message once). */
async function exchange(ws: WebSocket, messages: string[]): Promise<Array<Record<string, unknown>>> {
  const replies: Array<Record<string, unknown>> = []
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>
      if (msg.type !== 'response') return
      replies.push(msg)
      if (replies.length === messages.length) {
        ws.off('message', onMessage)
        resolve(replies)
      }
    }
    ws.on('message', onMessage)
    ws.once('close', () => reject(new Error(`socket closed after ${replies.length} replies`)))
    for (const m of messages) ws.send(m)
  })
}

function malformed(i: number): string {
  // Ten families of wrong messages, each with varying content so nothing is cached by accident.
  switch (i % 10) {
    case 0: return `{"type":"request","id":${i},"method":"devices.list","params":{"refresh":"nope-${i}"}}`
    case 1: return `{"type":"request","id":${i},"method":"no.such.method.${i}","params":{}}`
    case 2: return `{"type":"request","method":"app.info","params":{}}`
    case 3: return `{"type":"request","id":-${i},"method":"app.info"}`
    case 4: return `{broken json ${i}`
    case 5: return `[${i}, 1, 2]`
    case 6: return `{"type":"request","id":${i},"method":"jobs.cancel","params":{"jobId":${i}}}`
    case 7: return `{"type":"request","id":${i},"method":"app.info","params":{"extra":"${'x'.repeat(i % 500)}"}}`
    case 8: return `"just a string ${i}"`
    default: return `{"type":"request","id":${i},"method":"streams.close","params":{"streamId":"${i}"}}`
  }
}

async function metrics(ws: WebSocket, id: number) {
  const [reply] = await exchange(ws, [JSON.stringify({ type: 'request', id, method: 'app.metrics', params: {} })])
  return reply.result as { rssBytes: number; heapUsedBytes: number }
}

describe('the host under a flood of malformed messages', () => {
  let host: HostProcess
  let ws: WebSocket
  beforeAll(async () => {
    // With --expose-gc the host collects garbage before taking its metrics, so heap figures compare.
    host = await startHostProcess([], ['--expose-gc'])
    ws = new WebSocket(`ws://127.0.0.1:${new URL(host.url).port}/lab`)
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
  })
  afterAll(async () => {
    ws?.close()
    await host?.stop()
  })

  it('answers 3 × 10,000 malformed messages with schema errors, keeps serving, and does not grow', async () => {
    const round = async (r: number) => {
      const msgs = Array.from({ length: 10_000 }, (_, i) => malformed(r * 10_000 + i))
      const replies = await exchange(ws, msgs)
      expect(replies).toHaveLength(10_000)
      for (const reply of replies) expect(reply).toHaveProperty('error')
      const codes = new Set(replies.map((x) => (x.error as { code: string }).code))
      expect([...codes].sort()).toEqual(['schema', 'unknown-method'])
    }
    await round(0) // warm-up: lazily initialised code paths, JIT
    const before = await metrics(ws, 900_001)
    await round(1)
    await round(2)
    const after = await metrics(ws, 900_002)
    // A leak of even 100 bytes per message would add 2 MB over 20,000 messages; allow GC noise.
    expect(after.heapUsedBytes - before.heapUsedBytes).toBeLessThan(16 * 1024 * 1024)
    expect(host.child.exitCode).toBeNull()
    // And it still answers a well-formed request.
    const [ok] = await exchange(ws, [JSON.stringify({ type: 'request', id: 1, method: 'app.info', params: {} })])
    expect(ok.result).toMatchObject({ name: 'Spikelab', shell: 'host' })
  })

  it('names the field of a wrong-shaped message', async () => {
    const [reply] = await exchange(ws, [JSON.stringify({ type: 'request', id: 5, method: 'devices.list', params: { refresh: 1 } })])
    expect(reply).toMatchObject({ id: 5, error: { code: 'schema', issues: [{ path: 'params.refresh' }] } })
  })

  it('closes a connection that sends an oversized message, and the host lives on', async () => {
    const big = new WebSocket(`ws://127.0.0.1:${new URL(host.url).port}/lab`)
    await new Promise((r) => big.once('open', r))
    const closed = new Promise<number>((r) => big.once('close', (code) => r(code)))
    big.send('x'.repeat(2 * 1024 * 1024))
    expect(await closed).toBe(1009) // "message too big"
    const m = await metrics(ws, 900_003)
    expect(m.rssBytes).toBeGreaterThan(0)
  })
})

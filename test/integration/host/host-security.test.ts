import { spawnSync } from 'node:child_process'
import { request } from 'node:http'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { repoRoot } from '../../support/fixtures.js'
import { startHostProcess, type HostProcess } from '../../support/host-process.js'

function get(url: string, headers: Record<string, string> = {}, rawPath?: string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const u = new URL(url)
    const req = request({ host: u.hostname, port: u.port, path: rawPath ?? u.pathname + u.search, headers }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Opens a WebSocket and resolves 'open' or the HTTP status that refused it. */
function tryConnect(url: string, origin?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {})
    ws.on('open', () => {
      ws.close()
      resolve('open')
    })
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.on('error', () => undefined)
  })
}

describe('spikelab serve on loopback', () => {
  let host: HostProcess
  beforeAll(async () => {
    host = await startHostProcess()
  })
  afterAll(() => host.stop())

  it('listens on 127.0.0.1 and prints the URL to open', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
  })

  it('serves the renderer with a strict CSP and nosniff', async () => {
    const res = await get(host.url)
    expect(res.status).toBe(200)
    expect(res.body).toContain('<div id="app">')
    const csp = String(res.headers['content-security-policy'])
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).not.toContain('unsafe-eval')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
  })

  it('never serves files outside the renderer folder', async () => {
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/..%2f..%2fpackage.json', '/%00index.html']) {
      const res = await get(host.url, {}, p)
      expect(res.status, p).toBe(404)
      expect(res.body).not.toContain('"name": "spikelab"')
    }
  })

  it('refuses a Host header that is not its own (DNS rebinding)', async () => {
    const res = await get(host.url, { Host: 'attacker.example:80' })
    expect(res.status).toBe(421)
  })

  it('accepts WebSockets from its own pages and from non-browser clients, refuses other origins', async () => {
    const ws = `ws://127.0.0.1:${new URL(host.url).port}/lab`
    expect(await tryConnect(ws, host.origin)).toBe('open')
    expect(await tryConnect(ws)).toBe('open')
    expect(await tryConnect(ws, 'http://evil.example')).toBe(403)
    expect(await tryConnect(ws, 'null')).toBe(403)
    expect(await tryConnect(`ws://127.0.0.1:${new URL(host.url).port}/other`)).toBe(404)
  })
})

describe('spikelab serve with a token', () => {
  const token = 'correct-horse-battery-staple'
  let host: HostProcess
  beforeAll(async () => {
    host = await startHostProcess(['--token', token])
  })
  afterAll(() => host.stop())

  it('puts the token in the printed URL and requires it of every WebSocket', async () => {
    expect(host.url).toContain(`?token=${token}`)
    const base = `ws://127.0.0.1:${new URL(host.url).port}/lab`
    expect(await tryConnect(base)).toBe(401)
    expect(await tryConnect(`${base}?token=wrong-token-of-some-length`)).toBe(401)
    expect(await tryConnect(`${base}?token=${token}`)).toBe('open')
  })
})

describe('spikelab serve refuses unsafe set-ups', () => {
  it('will not listen on a non-loopback address without a token', () => {
    const res = spawnSync(process.execPath, [path.join(repoRoot, 'bin/spikelab.js'), 'serve', '--host', '0.0.0.0', '--port', '0'], { encoding: 'utf8', timeout: 20_000 })
    expect(res.status).toBe(2)
    expect(res.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a token/)
    expect(res.stdout).not.toContain('serving at')
  })

  it('rejects a short token', () => {
    const res = spawnSync(process.execPath, [path.join(repoRoot, 'bin/spikelab.js'), 'serve', '--port', '0', '--token', 'short'], { encoding: 'utf8', timeout: 20_000 })
    expect(res.status).toBe(2)
    expect(res.stderr).toMatch(/at least 16 characters/)
  })
})

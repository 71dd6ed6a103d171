/**
 * The headless host (`spikelab serve`): the built renderer over HTTP and LabApi over a WebSocket at
 * /lab. Binds 127.0.0.1 unless told otherwise, and then only with a token. Browsers' Origin and
 * Host headers are checked so that no other web page (or DNS-rebound name) can drive the lab.
 */
import { timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Lab } from '../lab/lab.js'
import { contentSecurityPolicy } from '../lab/renderer-assets.js'
import { serveStatic } from './static-files.js'

export interface HostOptions {
  readonly lab: Lab
  /** Folder of the built renderer (index.html and assets). */
  readonly rendererDir: string
  readonly port?: number
  readonly host?: string
  /** Required for any non-loopback address; then required of every API client too. */
  readonly token?: string
  /** Bytes a connection may have queued before binary frames are dropped (live data is decimated, not buffered). */
  readonly maxBufferedBytes?: number
}

export interface RunningHost {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

const MAX_MESSAGE_BYTES = 1 << 20
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host)
}

export class HostConfigError extends Error {}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const bindHost = options.host ?? '127.0.0.1'
  const token = options.token
  if (!isLoopback(bindHost) && !token) {
    throw new HostConfigError(`refusing to listen on ${bindHost} without a token: other machines could drive the lab. Pass --token <secret>, or omit --host to stay on 127.0.0.1.`)
  }
  if (token !== undefined && token.length < 16) {
    throw new HostConfigError('the token must be at least 16 characters long')
  }
  const maxBuffered = options.maxBufferedBytes ?? 8 << 20
  let port = 0
  const hostName = () => (bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost)
  const allowedHosts = () => {
    const names = isLoopback(bindHost) ? ['127.0.0.1', 'localhost', '[::1]'] : [hostName()]
    return new Set(names.map((n) => `${n}:${port}`))
  }
  const tokenMatches = (given: string | null) => {
    if (token === undefined) return true
    if (given === null) return false
    const a = Buffer.from(given)
    const b = Buffer.from(token)
    return a.length === b.length && timingSafeEqual(a, b)
  }

  const http: Server = createServer((req, res) => {
    const security: Record<string, string> = {
      'Content-Security-Policy': contentSecurityPolicy([`ws://${req.headers.host ?? `${hostName()}:${port}`}`]),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'X-Frame-Options': 'DENY',
    }
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' })
      res.end('unexpected Host header')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' })
      res.end()
      return
    }
    const url = new URL(req.url ?? '/', 'http://host.invalid')
    serveStatic(options.rendererDir, url.pathname, res, security).catch(() => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })
  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://host.invalid')
    const origin = req.headers.origin
    const reject = (status: number, why: string) => {
      socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    if (url.pathname !== '/lab') return reject(404, 'Not Found')
    if (!allowedHosts().has(req.headers.host ?? '')) return reject(421, 'Misdirected Request')
    // A browser always sends Origin: only pages served by this host may connect.
    if (origin !== undefined && !allowedHosts().has(origin.replace(/^http:\/\//, ''))) return reject(403, 'Forbidden')
    if (!tokenMatches(url.searchParams.get('token'))) return reject(401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws))
  })

  const attach = (ws: WebSocket) => {
    const session = options.lab.server.connect({
      message: (message) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message))
      },
      binary: (frame) => {
        if (ws.readyState !== ws.OPEN || ws.bufferedAmount > maxBuffered) return false
        ws.send(frame, { binary: true })
        return true
      },
    })
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        session.send({ type: 'response', id: null, error: { code: 'schema', message: 'binary messages are not accepted from clients' } })
        return
      }
      void session.handleText(data.toString())
    })
    ws.on('close', () => session.close())
    ws.on('error', () => session.close())
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 0, bindHost, () => {
      http.off('error', reject)
      resolve()
    })
  })
  port = (http.address() as AddressInfo).port
  const query = token ? `?token=${encodeURIComponent(token)}` : ''
  const url = `http://${hostName()}:${port}/${query}`

  return {
    url,
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}

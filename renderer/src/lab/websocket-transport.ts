/**
 * LabApi transport over the headless host's WebSocket (/lab). Reconnects with backoff after the
 * host goes away, and passes the page's token (from its own URL) when the host requires one.
 */
import type { ClientTransport } from '../../../common/contract/lab-client'
import type { ConnectionState } from '../../../common/contract/lab-api'
import type { ServerMessage } from '../../../common/contract/wire'

/** The host's /lab WebSocket URL for a page it served, with the page's token when it has one. */
export function labSocketUrl(location: Location): string {
  const token = new URLSearchParams(location.search).get('token')
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/lab${token ? `?token=${encodeURIComponent(token)}` : ''}`
}

export function websocketTransport(location: Location): ClientTransport {
  const url = labSocketUrl(location)
  let socket: WebSocket | null = null
  let queue: string[] = []
  let retryMs = 250

  return {
    send(message) {
      const text = JSON.stringify(message)
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(text)
      else queue.push(text)
    },
    connect(sink) {
      const open = () => {
        sink.state('connecting' satisfies ConnectionState)
        const ws = new WebSocket(url)
        ws.binaryType = 'arraybuffer'
        socket = ws
        ws.onopen = () => {
          retryMs = 250
          sink.state('open')
          for (const text of queue) ws.send(text)
          queue = []
        }
        ws.onmessage = (ev: MessageEvent) => {
          if (ev.data instanceof ArrayBuffer) sink.binary(ev.data)
          else sink.message(JSON.parse(ev.data as string) as ServerMessage)
        }
        ws.onclose = () => {
          if (socket !== ws) return
          socket = null
          queue = []
          sink.state('closed')
          setTimeout(open, retryMs)
          retryMs = Math.min(retryMs * 2, 5000)
        }
      }
      open()
    },
  }
}

/**
 * The drawing worker's own connection to the headless host (browser mode): one WebSocket on /lab
 * whose only request is 'sensor.live', so the live frames go from the network straight to the
 * worker and never occupy the page's main thread (electron-notes.md §4). The stream is binned
 * (`bins`: the host folds the events at the view's decay and raster resolution, live-bins.ts), and
 * every frame is acknowledged once drawn into the accumulators ('sensor.liveAck', carrying the view's
 * current bin settings), which is the host's credit for sending more: a worker that falls behind gets
 * fewer, larger updates instead of a growing lag. Closing the socket ends the stream on the host.
 * Reconnects while wanted, e.g. after the host restarted.
 */
import type { LiveBinSettings } from '../../../common/contract/live-bins'
import type { ClientMessage, ServerMessage } from '../../../common/contract/wire'

const RETRY_MS = 1000

export interface LiveSocket {
  close(): void
}

export function openLiveSocket(url: string, onFrame: (buf: ArrayBuffer, streamId: number) => void, bins: () => LiveBinSettings): LiveSocket {
  let wanted = true
  let ws: WebSocket | null = null
  let streamId = -1
  let nextRequestId = 2
  const open = () => {
    const socket = new WebSocket(url)
    ws = socket
    socket.binaryType = 'arraybuffer'
    socket.onopen = () => {
      const request: ClientMessage = { type: 'request', id: 1, method: 'sensor.live', params: { bins: bins() } }
      socket.send(JSON.stringify(request))
    }
    socket.onmessage = (ev: MessageEvent) => {
      if (ev.data instanceof ArrayBuffer) {
        if (streamId < 0) return
        onFrame(ev.data, streamId)
        const ack: ClientMessage = { type: 'request', id: nextRequestId++, method: 'sensor.liveAck', params: { streamId, frames: 1, bins: bins() } }
        socket.send(JSON.stringify(ack))
        return
      }
      const msg = JSON.parse(ev.data as string) as ServerMessage
      if (msg.type === 'response' && msg.id === 1 && 'result' in msg) streamId = (msg.result as { streamId: number }).streamId
    }
    socket.onclose = () => {
      streamId = -1
      if (wanted && ws === socket) setTimeout(() => wanted && ws === socket && open(), RETRY_MS)
    }
  }
  open()
  return {
    close() {
      wanted = false
      ws?.close()
      ws = null
    },
  }
}

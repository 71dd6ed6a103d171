/**
 * Entry of the services utility process (utilityProcess.fork): the lab runs here, off Electron's
 * main thread, so serial I/O, decoding and training never stall window management. One LabSession
 * per renderer, keyed by the connection id main assigns. `process.parentPort` is Electron's.
 */
import { createLab, defaultLabFolder } from '../lab/lab.js'
import type { LabSession } from '../lab/lab-server.js'
import type { FromServices, ToServices } from './service-protocol.js'

interface ParentPort {
  on(event: 'message', listener: (event: { data: ToServices }) => void): void
  postMessage(message: FromServices): void
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort
if (!parentPort) throw new Error('service-process must run as an Electron utility process')

const lab = createLab({ shell: 'electron', labFolder: process.env.SPIKELAB_LAB_FOLDER ?? defaultLabFolder() })
const sessions = new Map<number, LabSession>()

parentPort.on('message', ({ data }) => {
  switch (data.kind) {
    case 'open': {
      const conn = data.conn
      sessions.get(conn)?.close()
      sessions.set(conn, lab.server.connect({
        message: (message) => parentPort.postMessage({ kind: 'message', conn, message }),
        binary: (frame) => {
          parentPort.postMessage({ kind: 'binary', conn, frame })
          return true
        },
      }))
      break
    }
    case 'message':
      void sessions.get(data.conn)?.handleMessage(data.message)
      break
    case 'close':
      sessions.get(data.conn)?.close()
      sessions.delete(data.conn)
      break
  }
})

process.on('SIGTERM', () => {
  void lab.dispose().finally(() => process.exit(0))
})

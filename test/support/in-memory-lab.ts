// A lab and a LabApi client wired to it in memory, for tests of the contract without a socket.
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createLabClient, type ClientTransport } from '../../common/contract/lab-client.js'
import { createLab } from '../../main/lab/lab.js'

export interface InMemoryLabOptions {
  /** Deliver the server's messages and frames in a later microtask, as a socket would (default: at once). */
  readonly asynchronous?: boolean
}

/**
 * A host-shell lab in a fresh temporary folder (named from `folderPrefix`) with no serial ports, and
 * a client connected to it; every message goes through JSON as over a socket, binary frames as is.
 * `session` is the server's side of the connection, `sink()` the client's (to fake a closed socket).
 */
export function connectInMemoryLab(folderPrefix: string, { asynchronous = false }: InMemoryLabOptions = {}) {
  const lab = createLab({ shell: 'host', labFolder: mkdtempSync(path.join(os.tmpdir(), folderPrefix)), listPorts: async () => [] })
  const deliver = asynchronous ? queueMicrotask : (f: () => void) => f()
  let sink!: Parameters<ClientTransport['connect']>[0]
  const session = lab.server.connect({
    message: (m) => deliver(() => sink.message(JSON.parse(JSON.stringify(m)))),
    binary: (f) => {
      deliver(() => sink.binary(f))
      return true
    },
  })
  const client = createLabClient({
    send: (m) => void session.handleMessage(JSON.parse(JSON.stringify(m))),
    connect: (s) => {
      sink = s
      s.state('open')
    },
  })
  return { lab, client, session, sink: () => sink }
}

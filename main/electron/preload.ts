/**
 * The preload: exposes `window.lab` (LabApi), built on three fixed IPC channels, and
 * `window.labFiles.pathForFile` so files dropped on the page can be imported by path (a web page
 * never sees paths; `webUtils` answers locally, without IPC). No ipcRenderer, no Node, nothing else
 * crosses the context bridge. Bundled into one CommonJS file because a sandboxed preload can only
 * require 'electron'.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { createLabClient, type ClientTransport } from '../../common/contract/lab-client.js'
import type { ServerMessage } from '../../common/contract/wire.js'
import { IPC_BINARY, IPC_MESSAGE, IPC_REQUEST } from './ipc-channels.js'

const transport: ClientTransport = {
  send: (message) => ipcRenderer.send(IPC_REQUEST, message),
  connect(sink) {
    ipcRenderer.on(IPC_MESSAGE, (_event, message: ServerMessage) => sink.message(message))
    ipcRenderer.on(IPC_BINARY, (_event, data: ArrayBuffer | Uint8Array) => {
      if (data instanceof ArrayBuffer) sink.binary(data)
      else sink.binary(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer)
    })
    sink.state('open')
  },
}

contextBridge.exposeInMainWorld('lab', createLabClient(transport))

/** The absolute path of a dropped File, '' when it has none; anything but a File is refused. */
function pathForFile(file: unknown): string {
  if (typeof File === 'undefined' || !(file instanceof File)) throw new TypeError('pathForFile expects a File from a drop or a file input')
  const p = webUtils.getPathForFile(file)
  return typeof p === 'string' ? p : ''
}

contextBridge.exposeInMainWorld('labFiles', { pathForFile })

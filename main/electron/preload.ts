/**
 * The preload: exposes exactly one object to the page, `window.lab` (LabApi), built on three fixed
 * IPC channels. No ipcRenderer, no Node, nothing else crosses the context bridge. Bundled into one
 * CommonJS file because a sandboxed preload can only require 'electron'.
 */
import { contextBridge, ipcRenderer } from 'electron'
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

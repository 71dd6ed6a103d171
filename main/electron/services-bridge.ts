/**
 * Relays LabApi traffic between renderers and the services utility process. Every IPC message is
 * checked to come from the app's own top-level frame (app://lab) before it is forwarded; the
 * services then validate it against the contract's schemas.
 */
import path from 'node:path'
import { ipcMain, utilityProcess, webContents, type IpcMainEvent, type UtilityProcess, type WebContents } from 'electron'
import { isAppUrl } from './app-protocol.js'
import { IPC_BINARY, IPC_MESSAGE, IPC_REQUEST } from './ipc-channels.js'
import type { FromServices, ToServices } from './service-protocol.js'

/** True when an IPC message comes from the main frame of a page served by the app protocol. */
export function isTrustedSender(event: Pick<IpcMainEvent, 'senderFrame'>): boolean {
  const frame = event.senderFrame
  return frame !== null && frame.parent === null && isAppUrl(frame.url)
}

export class ServicesBridge {
  private readonly child: UtilityProcess
  private readonly connected = new Set<number>()

  constructor(servicesEntry: string) {
    this.child = utilityProcess.fork(servicesEntry, [], { serviceName: 'Spikelab services', stdio: 'inherit', cwd: path.dirname(servicesEntry) })
    this.child.on('message', (msg: FromServices) => this.fromServices(msg))
    ipcMain.on(IPC_REQUEST, (event, message: unknown) => this.fromRenderer(event, message))
  }

  private fromRenderer(event: IpcMainEvent, message: unknown): void {
    if (!isTrustedSender(event)) return // silently dropped: a foreign frame learns nothing
    const contents = event.sender
    const conn = contents.id
    if (!this.connected.has(conn)) this.attach(contents)
    this.post({ kind: 'message', conn, message })
  }

  private attach(contents: WebContents): void {
    const conn = contents.id
    this.connected.add(conn)
    this.post({ kind: 'open', conn })
    const detach = () => {
      if (!this.connected.delete(conn)) return
      this.post({ kind: 'close', conn })
    }
    contents.once('destroyed', detach)
    contents.on('did-start-navigation', (_e, _url, isInPlace, isMainFrame) => {
      if (isMainFrame && !isInPlace) detach()
    })
  }

  private fromServices(msg: FromServices): void {
    const contents = webContents.fromId(msg.conn)
    if (!contents || contents.isDestroyed()) return
    if (msg.kind === 'message') contents.send(IPC_MESSAGE, msg.message)
    else contents.send(IPC_BINARY, msg.frame)
  }

  private post(message: ToServices): void {
    this.child.postMessage(message)
  }

  dispose(): void {
    ipcMain.removeAllListeners(IPC_REQUEST)
    this.child.kill()
  }
}

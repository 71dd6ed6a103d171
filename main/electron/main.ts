/**
 * Spikelab's Electron main process: one secure window on app://lab, the services in a utility
 * process, and nothing else. Heavy work never runs here.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, type BrowserWindow } from 'electron'
import { handleAppProtocol, registerAppScheme } from './app-protocol.js'
import { ServicesBridge } from './services-bridge.js'
import { denyPermissions, guardWebContents } from './web-contents-guard.js'
import { createMainWindow } from './window.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const preload = path.resolve(here, '..', '..', 'preload', 'preload.cjs')
const servicesEntry = path.join(here, 'service-process.js')

let mainWindow: BrowserWindow | null = null
let bridge: ServicesBridge | null = null

registerAppScheme()
guardWebContents()

if (!app.requestSingleInstanceLock()) {
  // A second launch focuses the running lab instead of opening the same lab folder twice.
  app.quit()
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })
  void app.whenReady().then(() => {
    denyPermissions()
    handleAppProtocol()
    bridge = new ServicesBridge(servicesEntry)
    mainWindow = createMainWindow(preload, app.getPath('userData'))
    mainWindow.on('closed', () => (mainWindow = null))
  })
  app.on('window-all-closed', () => app.quit())
  app.on('will-quit', () => bridge?.dispose())
}

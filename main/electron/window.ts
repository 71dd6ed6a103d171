/**
 * The main window and the web preferences every window must have (Electron security checklist):
 * context isolation, the process sandbox, no Node, web security kept, no webviews, no auxclick.
 */
import { BrowserWindow, type WebPreferences } from 'electron'
import { APP_ORIGIN_URL } from './app-protocol.js'

export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    disableBlinkFeatures: 'Auxclick',
    spellcheck: false,
  }
}

export function createMainWindow(preload: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Spikelab',
    show: false,
    backgroundColor: '#14161a',
    webPreferences: secureWebPreferences(preload),
  })
  win.once('ready-to-show', () => win.show())
  void win.loadURL(APP_ORIGIN_URL)
  return win
}

/**
 * The main window. Its web preferences follow Electron's security checklist: context isolation,
 * the process sandbox, no Node anywhere, web security kept, no webviews, no auxclick. They are
 * written out at the call site so that scanners (Electronegativity) and readers see them directly.
 */
import { BrowserWindow } from 'electron'
import { APP_ORIGIN_URL } from './app-protocol.js'

export function createMainWindow(preload: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Spikelab',
    show: false,
    backgroundColor: '#14161a',
    // The preload is reviewed and tested to expose only window.lab (test/unit/electron/preload.test.ts).
    webPreferences: {
      preload, // eng-disable PRELOAD_JS_CHECK
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
    },
  })
  win.once('ready-to-show', () => win.show())
  void win.loadURL(APP_ORIGIN_URL)
  return win
}

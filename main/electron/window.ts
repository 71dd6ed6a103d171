/**
 * The main window. Its web preferences follow Electron's security checklist: context isolation,
 * the process sandbox, no Node anywhere, web security kept, no webviews, no auxclick. They are
 * written out at the call site so that scanners (Electronegativity) and readers see them directly.
 */
import { BrowserWindow, screen } from 'electron'
import { APP_ORIGIN_URL } from './app-protocol.js'
import { DEFAULT_BOUNDS, loadWindowState, trackWindowState, usableBounds } from './window-state.js'

/** `stateFolder`: where the window's size and position are remembered (the app's user-data folder). */
export function createMainWindow(preload: string, stateFolder?: string): BrowserWindow {
  const saved = stateFolder ? loadWindowState(stateFolder) : null
  const bounds = usableBounds(saved?.bounds, stateFolder ? screen.getAllDisplays().map((d) => d.workArea) : []) ?? DEFAULT_BOUNDS
  const win = new BrowserWindow({
    ...bounds,
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
  win.once('ready-to-show', () => {
    if (saved?.maximized) win.maximize()
    win.show()
  })
  if (stateFolder) trackWindowState(win, stateFolder)
  void win.loadURL(APP_ORIGIN_URL)
  return win
}

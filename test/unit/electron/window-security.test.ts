import { describe, expect, it, vi } from 'vitest'

type Handler = (...args: unknown[]) => unknown
const appHandlers = new Map<string, Handler>()
const created: Array<{ options: { webPreferences: Record<string, unknown> }; url?: string }> = []
let permissionRequestHandler: Handler | null = null
let permissionCheckHandler: Handler | null = null

vi.mock('electron', () => ({
  app: { on: (event: string, handler: Handler) => appHandlers.set(event, handler) },
  session: {
    defaultSession: {
      setPermissionRequestHandler: (h: Handler) => (permissionRequestHandler = h),
      setPermissionCheckHandler: (h: Handler) => (permissionCheckHandler = h),
    },
  },
  protocol: { registerSchemesAsPrivileged: () => undefined, handle: () => undefined },
  screen: { getAllDisplays: () => [] },
  BrowserWindow: class {
    constructor(options: { webPreferences: Record<string, unknown> }) {
      created.push({ options })
    }
    once() {}
    loadURL(url: string) {
      created[created.length - 1].url = url
      return Promise.resolve()
    }
  },
}))

const { createMainWindow } = await import('../../../main/electron/window.js')
const { isAppUrl } = await import('../../../main/electron/app-protocol.js')
const { guardWebContents, denyPermissions } = await import('../../../main/electron/web-contents-guard.js')
const { isTrustedSender } = await import('../../../main/electron/services-bridge.js')

describe('window security', () => {
  it('every window has context isolation, the sandbox, no Node, and loads app://lab', () => {
    createMainWindow('/app/preload.cjs')
    const prefs = created[0].options.webPreferences
    expect(prefs).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
    })
    expect(prefs).not.toHaveProperty('enableBlinkFeatures')
    expect(created[0].url).toBe('app://lab/')
  })

  it('recognises only the app origin, by parsed protocol and host', () => {
    expect(isAppUrl('app://lab/index.html')).toBe(true)
    expect(isAppUrl('app://lab/#/devices')).toBe(true)
    expect(isAppUrl('app://lab.evil.com/')).toBe(false)
    expect(isAppUrl('app://evil/')).toBe(false)
    expect(isAppUrl('file:///app/index.html')).toBe(false)
    expect(isAppUrl('https://lab/')).toBe(false)
    expect(isAppUrl('not a url')).toBe(false)
  })

  it('accepts IPC only from the main frame of the app', () => {
    const frame = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent } }) as never
    expect(isTrustedSender(frame('app://lab/'))).toBe(true)
    expect(isTrustedSender(frame('app://lab/', {}))).toBe(false) // a subframe
    expect(isTrustedSender(frame('https://example.com/'))).toBe(false)
    expect(isTrustedSender({ senderFrame: null } as never)).toBe(false)
  })

  it('blocks navigation away from the app, new windows, webviews and every permission', () => {
    guardWebContents()
    const handlers = new Map<string, Handler>()
    let windowOpen: Handler | null = null
    const contents = {
      on: (event: string, h: Handler) => handlers.set(event, h),
      setWindowOpenHandler: (h: Handler) => (windowOpen = h),
    }
    appHandlers.get('web-contents-created')!({}, contents)
    const navigate = (url: string) => {
      let prevented = false
      handlers.get('will-navigate')!({ preventDefault: () => (prevented = true) }, url)
      return prevented
    }
    expect(navigate('https://example.com/')).toBe(true)
    expect(navigate('file:///etc/passwd')).toBe(true)
    expect(navigate('app://lab/index.html')).toBe(false)
    expect(windowOpen!({ url: 'https://example.com' })).toEqual({ action: 'deny' })
    let webviewPrevented = false
    handlers.get('will-attach-webview')!({ preventDefault: () => (webviewPrevented = true) })
    expect(webviewPrevented).toBe(true)

    denyPermissions()
    let granted: boolean | null = null
    permissionRequestHandler!({}, 'media', (ok: boolean) => (granted = ok))
    expect(granted).toBe(false)
    expect(permissionCheckHandler!()).toBe(false)
  })
})

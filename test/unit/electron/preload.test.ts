import { beforeEach, describe, expect, it, vi } from 'vitest'

// The preload runs in Electron's sandbox; here the electron module is replaced by recorders so the
// test sees exactly what the preload exposes to the page and which channels it uses.
const exposed: Array<[string, unknown]> = []
const sent: Array<[string, unknown]> = []
const listened: string[] = []

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.push([key, api]) },
  ipcRenderer: {
    send: (channel: string, message: unknown) => sent.push([channel, message]),
    on: (channel: string) => listened.push(channel),
  },
  webUtils: { getPathForFile: (file: File) => `/dropped/${file.name}` },
}))

describe('preload', () => {
  beforeEach(() => {
    exposed.length = 0
    sent.length = 0
    listened.length = 0
    vi.resetModules()
  })

  it('exposes window.lab and window.labFiles and nothing else', async () => {
    await import('../../../main/electron/preload.js')
    expect(exposed.map(([key]) => key)).toEqual(['lab', 'labFiles'])
    expect(Object.keys(exposed[1][1] as object)).toEqual(['pathForFile'])
    const api = exposed[0][1] as Record<string, unknown>
    expect(Object.keys(api).sort()).toEqual(['connection', 'on', 'onConnection', 'onFrames', 'request'])
    for (const value of Object.values(api)) expect(typeof value).toBe('function')
  })

  it('speaks only on the lab channels: requests out, messages and binary frames in', async () => {
    await import('../../../main/electron/preload.js')
    const api = exposed[0][1] as { request(method: string, params: unknown): Promise<unknown>; connection(): string }
    void api.request('app.info', {})
    expect(sent).toEqual([['lab:request', { type: 'request', id: 1, method: 'app.info', params: {} }]])
    expect(listened.sort()).toEqual(['lab:binary', 'lab:message'])
    expect(api.connection()).toBe('open')
  })

  it('resolves the path of a dropped File through webUtils and refuses anything else', async () => {
    await import('../../../main/electron/preload.js')
    const files = exposed[1][1] as { pathForFile(file: unknown): string }
    expect(files.pathForFile(new File(['x'], 'rec.aedat4'))).toBe('/dropped/rec.aedat4')
    expect(() => files.pathForFile('/etc/passwd')).toThrow(TypeError)
    expect(() => files.pathForFile({ name: 'fake.aedat4' })).toThrow(TypeError)
  })
})

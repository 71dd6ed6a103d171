// Drag-and-drop import: paths from Electron's preload, or a clear fallback message in a browser.
import { describe, expect, it } from 'vitest'
import { pathsFromDrop, type PathResolver } from '../../../renderer/src/components/drop-import.js'

const file = (name: string) => new File(['x'], name)
const electron = (paths: Record<string, string>): PathResolver => ({ pathForFile: (f) => paths[f.name] ?? '' })

describe('pathsFromDrop', () => {
  it('in a browser resolves nothing and points to the path box, naming the files', () => {
    const r = pathsFromDrop([file('a.aedat4'), file('b.raw')], undefined)
    expect(r.paths).toEqual([])
    expect(r.unresolved).toEqual(['a.aedat4', 'b.raw'])
    expect(r.message).toMatch(/does not tell the lab where dropped files are \(a\.aedat4, b\.raw\)/)
    expect(r.message).toMatch(/path .* in the box above/)
  })

  it('under Electron imports files and folders by their absolute paths, once each', () => {
    const r = pathsFromDrop([file('rec.aedat4'), file('session'), file('rec.aedat4')], electron({ 'rec.aedat4': '/data/rec.aedat4', session: '/data/session' }))
    expect(r.paths).toEqual(['/data/rec.aedat4', '/data/session'])
    expect(r.unresolved).toEqual([])
    expect(r.message).toBeNull()
  })

  it('keeps what resolved and names what did not (no path, relative path, or a resolver error)', () => {
    const resolver: PathResolver = {
      pathForFile: (f) => {
        if (f.name === 'boom') throw new TypeError('not a file')
        return { 'ok.dat': 'C:\\data\\ok.dat', 'rel.dat': 'rel.dat' }[f.name] ?? ''
      },
    }
    const r = pathsFromDrop([file('ok.dat'), file('rel.dat'), file('web.png'), file('boom')], resolver)
    expect(r.paths).toEqual(['C:\\data\\ok.dat'])
    expect(r.unresolved).toEqual(['rel.dat', 'web.png', 'boom'])
    expect(r.message).toMatch(/^Could not find rel\.dat, web\.png, boom on disk/)
  })

  it('shortens long lists and says so when nothing was dropped', () => {
    const r = pathsFromDrop(['1', '2', '3', '4', '5'].map(file), undefined)
    expect(r.message).toContain('1, 2, 3 and 2 more')
    expect(pathsFromDrop([], undefined).message).toMatch(/Nothing was dropped/)
  })
})

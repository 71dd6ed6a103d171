import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadWindowState, usableBounds } from '../../../main/electron/window-state.js'

const screen = { x: 0, y: 0, width: 1920, height: 1080 }

describe('remembered window layout', () => {
  it('restores bounds that are still on a display, and refuses ones that are not', () => {
    expect(usableBounds({ x: 100, y: 80, width: 1200, height: 800 }, [screen])).toEqual({ x: 100, y: 80, width: 1200, height: 800 })
    // Left on a second monitor that is gone:
    expect(usableBounds({ x: 2500, y: 100, width: 1200, height: 800 }, [screen])).toBeNull()
    // Only a 50-px sliver visible:
    expect(usableBounds({ x: 1870, y: 100, width: 1200, height: 800 }, [screen])).toBeNull()
    // Too small to be a real window:
    expect(usableBounds({ x: 0, y: 0, width: 100, height: 100 }, [screen])).toBeNull()
    expect(usableBounds(undefined, [screen])).toBeNull()
  })

  it('reads a saved state and ignores a damaged file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-window-'))
    expect(loadWindowState(dir)).toBeNull()
    writeFileSync(path.join(dir, 'window-state.json'), JSON.stringify({ bounds: { x: 1, y: 2, width: 1300, height: 850 }, maximized: true }))
    expect(loadWindowState(dir)).toEqual({ bounds: { x: 1, y: 2, width: 1300, height: 850 }, maximized: true })
    writeFileSync(path.join(dir, 'window-state.json'), '{"bounds": {"x": "left"}')
    expect(loadWindowState(dir)).toBeNull()
  })
})

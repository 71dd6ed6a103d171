/**
 * The main window's last size, position and maximised state, kept in the user-data folder so the
 * lab opens where the person left it. Bounds that no longer fit any display are not restored.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs'
import path from 'node:path'
import type { BrowserWindow, Rectangle } from 'electron'

export interface WindowState {
  readonly bounds: Rectangle
  readonly maximized: boolean
}

export const DEFAULT_BOUNDS = { width: 1400, height: 900 }

/** Restored bounds when they overlap a display's work area by at least 100 × 100 px; else null. */
export function usableBounds(saved: Rectangle | undefined, workAreas: readonly Rectangle[]): Rectangle | null {
  if (!saved || saved.width < 400 || saved.height < 300) return null
  const visible = workAreas.some((a) => {
    const w = Math.min(saved.x + saved.width, a.x + a.width) - Math.max(saved.x, a.x)
    const h = Math.min(saved.y + saved.height, a.y + a.height) - Math.max(saved.y, a.y)
    return w >= 100 && h >= 100
  })
  return visible ? saved : null
}

export function loadWindowState(folder: string): WindowState | null {
  try {
    const raw = JSON.parse(readFileSync(path.join(folder, 'window-state.json'), 'utf8')) as Partial<WindowState>
    const b = raw.bounds
    if (!b || ![b.x, b.y, b.width, b.height].every((v) => Number.isFinite(v))) return null
    return { bounds: b, maximized: raw.maximized === true }
  } catch {
    return null
  }
}

/** Saves the window's state whenever it is moved, resized or closed (debounced). */
export function trackWindowState(win: BrowserWindow, folder: string): void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const save = () => {
    if (win.isDestroyed()) return
    const state: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() }
    const file = path.join(folder, 'window-state.json')
    writeFileSync(`${file}.tmp`, JSON.stringify(state))
    renameSync(`${file}.tmp`, file)
  }
  const later = () => {
    clearTimeout(timer)
    timer = setTimeout(save, 500)
  }
  win.on('resize', later)
  win.on('move', later)
  win.on('close', save)
}

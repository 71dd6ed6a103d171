/// <reference lib="webworker" />
/**
 * Draws the live event frame and raster on OffscreenCanvases, off the page's main thread, at the
 * display's frame rate. Event batches arrive as transferred typed arrays.
 */
import { EventFrame } from './event-frame'
import type { FromLiveWorker, ToLiveWorker } from './live-protocol'
import { RasterStrip } from './raster-strip'

const scope = self as unknown as DedicatedWorkerGlobalScope
let frameCtx: OffscreenCanvasRenderingContext2D | null = null
let rasterCtx: OffscreenCanvasRenderingContext2D | null = null
let frame: EventFrame | null = null
let raster: RasterStrip | null = null
let decayMs = 50
let rasterMsPerColumn = 10
let last = 0
let drawTotal = 0
let frames = 0
let events = 0
let windowStart = 0

scope.onmessage = (ev: MessageEvent<ToLiveWorker>) => {
  const msg = ev.data
  switch (msg.kind) {
    case 'init': {
      frameCtx = msg.frame.getContext('2d')
      rasterCtx = msg.raster.getContext('2d')
      frame = new EventFrame(msg.width, msg.height)
      raster = new RasterStrip(msg.raster.width, msg.height, rasterMsPerColumn * 1000)
      msg.frame.width = msg.width
      msg.frame.height = msg.height
      msg.raster.height = msg.height
      last = performance.now()
      windowStart = last
      requestAnimationFrame(draw)
      break
    }
    case 'events':
      frame?.add(msg.x, msg.y, msg.p)
      raster?.add(msg.t, msg.y)
      events += msg.x.length
      break
    case 'settings':
      decayMs = msg.decayMs
      rasterMsPerColumn = msg.rasterMsPerColumn
      raster?.setResolution(rasterMsPerColumn * 1000)
      break
    case 'clear':
      frame?.clear()
      raster?.clear()
      break
  }
}

function draw(now: number): void {
  const elapsed = now - last
  last = now
  const started = performance.now()
  if (frame && frameCtx) {
    frame.render(elapsed, decayMs)
    frameCtx.putImageData(new ImageData(frame.pixels as Uint8ClampedArray<ArrayBuffer>, frame.width, frame.height), 0, 0)
  }
  if (raster && rasterCtx && raster.render()) {
    const bytes = new Uint8ClampedArray(raster.pixels.buffer as ArrayBuffer)
    rasterCtx.putImageData(new ImageData(bytes, raster.columns, raster.rows), 0, 0)
  }
  drawTotal += performance.now() - started
  frames++
  if (now - windowStart >= 1000) {
    const seconds = (now - windowStart) / 1000
    const stats: FromLiveWorker = { kind: 'stats', drawMs: drawTotal / frames, framesPerSecond: frames / seconds, eventsPerSecond: events / seconds }
    scope.postMessage(stats)
    drawTotal = 0
    frames = 0
    events = 0
    windowStart = now
  }
  requestAnimationFrame(draw)
}

/// <reference lib="webworker" />
/**
 * Draws the live event frame and raster on OffscreenCanvases, off the page's main thread, at the
 * display's frame rate. Event batches arrive as transferred typed arrays.
 */
import { EventFrame } from './event-frame'
import type { FromLiveWorker, LiveSettings, ToLiveWorker } from './live-protocol'
import { RasterStrip } from './raster-strip'
import { liveFrameTime } from './frame-clock'

const scope = self as unknown as DedicatedWorkerGlobalScope
let frameCtx: OffscreenCanvasRenderingContext2D | null = null
let rasterCtx: OffscreenCanvasRenderingContext2D | null = null
let frame: EventFrame | null = null
let raster: RasterStrip | null = null
let settings: LiveSettings = { decayMs: 60, rasterMsPerColumn: 10, sortBy: 'address' }
let frozen = false
let lastFrameAt = 0
let lastEventsAt = 0
let frameAtUs: number | null = null
let intervals: number[] = []
let drawTimes: number[] = []
let events = 0
let windowStart = 0

const post = (msg: FromLiveWorker) => scope.postMessage(msg)

function addEvents(t: Float64Array, x: Uint16Array, y: Uint16Array, p: Uint8Array): void {
  events += t.length
  if (frozen) return
  frame?.add(t, x, y, p)
  raster?.add(t, y)
  lastEventsAt = performance.now()
}

scope.onmessage = (ev: MessageEvent<ToLiveWorker>) => {
  const msg = ev.data
  switch (msg.kind) {
    case 'init': {
      frameCtx = msg.frame.getContext('2d')
      rasterCtx = msg.raster.getContext('2d')
      frame = new EventFrame(msg.width, msg.height, settings.decayMs * 1000)
      raster = new RasterStrip(msg.raster.width, msg.height, settings.rasterMsPerColumn * 1000)
      raster.setSort(settings.sortBy)
      msg.frame.width = msg.width
      msg.frame.height = msg.height
      msg.raster.height = msg.height
      lastFrameAt = performance.now()
      windowStart = lastFrameAt
      requestAnimationFrame(draw)
      break
    }
    case 'events':
      addEvents(msg.t, msg.x, msg.y, msg.p)
      break
    case 'settings':
      settings = msg
      if (frame) frame.decayUs = msg.decayMs * 1000
      raster?.setResolution(msg.rasterMsPerColumn * 1000)
      raster?.setSort(msg.sortBy)
      break
    case 'freeze':
      frozen = msg.frozen
      if (frozen && frame && Number.isFinite(frame.newestUs)) {
        // Draw the frame exactly at the newest event, the time point playback can reproduce.
        frameAtUs = frame.newestUs
        paintFrame(frameAtUs)
      }
      post({ kind: 'frozen', atUs: frozen ? frameAtUs : null })
      break
    case 'clear':
      frame?.clear()
      raster?.clear()
      frameAtUs = null
      break
  }
}

function paintFrame(atUs: number): void {
  if (!frame || !frameCtx) return
  frame.render(atUs)
  frameCtx.putImageData(new ImageData(frame.pixels as Uint8ClampedArray<ArrayBuffer>, frame.width, frame.height), 0, 0)
}

function draw(now: number): void {
  intervals.push(now - lastFrameAt)
  lastFrameAt = now
  const started = performance.now()
  if (!frozen && frame && Number.isFinite(frame.newestUs)) {
    frameAtUs = liveFrameTime(frame.newestUs, started - lastEventsAt)
    paintFrame(frameAtUs)
  }
  if (!frozen && raster && rasterCtx && raster.render()) {
    const bytes = new Uint8ClampedArray(raster.pixels.buffer as ArrayBuffer)
    rasterCtx.putImageData(new ImageData(bytes, raster.columns, raster.rows), 0, 0)
  }
  drawTimes.push(performance.now() - started)
  if (now - windowStart >= 1000) {
    const seconds = (now - windowStart) / 1000
    const drawTotal = drawTimes.reduce((a, b) => a + b, 0)
    post({
      kind: 'stats',
      drawMs: drawTotal / Math.max(1, drawTimes.length),
      framesPerSecond: drawTimes.length / seconds,
      eventsPerSecond: events / seconds,
      frameIntervalsMs: intervals,
      drawTimesMs: drawTimes,
      frameAtUs,
    })
    intervals = []
    drawTimes = []
    events = 0
    windowStart = now
  }
  requestAnimationFrame(draw)
}

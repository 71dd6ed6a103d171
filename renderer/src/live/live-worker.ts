/// <reference lib="webworker" />
/**
 * Draws the live event frame and raster on OffscreenCanvases, off the page's main thread, at the
 * display's frame rate. The live stream is binned by the host (live-bins.ts: per-pixel activity and
 * raster counts, so the work here follows the active pixels, not the event rate); updates arrive
 * either on the worker's own WebSocket (browser mode) or transferred from the page (Electron, where
 * the data comes over IPC). Plain and packed event frames are still drawn (any other event source).
 */
import { FRAME_KIND_LIVE_BINS, FRAME_KIND_PACKED_EVENTS, decodeFrame, packedEventWords, unpackEventWords } from '../../../common/contract/binary-frames'
import { decodeLiveBins, type LiveBinSettings } from '../../../common/contract/live-bins'
import { EventFrame } from './event-frame'
import { openLiveSocket, type LiveSocket } from './live-socket'
import { liveBinSettings, type FromLiveWorker, type LiveSettings, type ToLiveWorker } from './live-protocol'
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

let socket: LiveSocket | null = null
/** Reused arrays for unpacking packed frames; grown when a frame holds more events. */
let scratch = { t: new Float64Array(0), x: new Uint16Array(0), y: new Uint16Array(0), p: new Uint8Array(0) }

const post = (msg: FromLiveWorker) => scope.postMessage(msg)

/** What the host bins at: this view's decay and raster time per column. */
const binSettings = (): LiveBinSettings => liveBinSettings(settings)

function onFrame(buf: ArrayBuffer): void {
  const kind = buf.byteLength >= 16 ? new DataView(buf).getUint32(8, true) & 0xff : -1
  if (kind === FRAME_KIND_LIVE_BINS) {
    addBins(buf)
    return
  }
  if (kind === FRAME_KIND_PACKED_EVENTS) {
    const { t0, words, events: n } = packedEventWords(buf)
    if (scratch.t.length < n) {
      const cap = Math.max(n, 2 * scratch.t.length)
      scratch = { t: new Float64Array(cap), x: new Uint16Array(cap), y: new Uint16Array(cap), p: new Uint8Array(cap) }
    }
    const got = unpackEventWords(t0, words, scratch)
    addEvents(scratch.t, scratch.x, scratch.y, scratch.p, Math.min(got, n))
    return
  }
  const frame = decodeFrame(buf)
  if (frame.kind === 'events') addEvents(frame.batch.t, frame.batch.x, frame.batch.y, frame.batch.p)
}

function addEvents(t: Float64Array, x: Uint16Array, y: Uint16Array, p: Uint8Array, n = t.length): void {
  events += n
  if (frozen || n === 0) return
  frame?.add(t, x, y, p, 0, n)
  raster?.add(t, y, 0, n)
  lastEventsAt = performance.now()
}

function addBins(buf: ArrayBuffer): void {
  const bins = decodeLiveBins(buf)
  events += bins.events
  if (frozen || bins.events === 0) return
  frame?.addBins(bins)
  raster?.addColumns(bins)
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
    case 'bins':
      addBins(msg.buffer)
      break
    case 'stream':
      socket?.close()
      socket = msg.url === null ? null : openLiveSocket(msg.url, onFrame, binSettings)
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

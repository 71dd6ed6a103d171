// Live drawing benchmark in headless Chromium (issue 5): the built renderer's Live view against
// `spikelab serve`, the simulated eDVS in-process on an unpaced link at 0.5, 1, 2 and 4 M events/s.
// Per rate: frame time (interval between the drawing worker's animation frames) p50/p95, the worker's
// drawing time per frame, events/s that reached the drawing, events not drawn, and the page main
// thread's longest task while streaming (PerformanceObserver 'longtask'), and Chromium's CPU time per
// thread (/proc), which separates the page's main thread from the drawing worker even when the machine
// is loaded (long tasks are wall time, so they also count time a busy machine did not run the thread).
// Goal: ≥ 2 M events/s delivered at p95 ≤ 16.7 ms, longest task ≤ 50 ms.
// "Drawn" (delivered) counts the events that reached the drawing worker: the Live view's stream is
// binned by the host (common/contract/live-bins.ts), so an update counts every event folded into it
// (its header's count), whether the pixel and raster bins it went into were one or many events.
// "Not drawn" = events the host decimated for display (a binned stream never decimates; it would show
// here if the view fell back to raw events). The drawing worker's CPU per million drawn events is
// printed with the per-thread figures.
// Run: npm run bench -- live-frames   (needs a build: npm run bench builds when sources are newer)
//      npx tsx bench/live-frames.bench.ts [--seconds 6] [--rates 500000,1000000,2000000,4000000] [--host-cpu-prof DIR]
//      (--host-cpu-prof: the host runs under Node's --cpu-prof and writes its profile into DIR when the bench ends)
import { readdirSync, readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { launchChromium } from '../test/support/chromium.js'
import { startHostProcess } from '../test/support/host-process.js'

/** rAF timestamp jitter allowed on a 60 Hz frame interval (Chromium coarsens timestamps to 0.1 ms). */
const RAF_JITTER_MS = 0.5
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const SECONDS = Number(arg('--seconds', '6'))
const WARMUP_S = 2
const RATES = arg('--rates', '500000,1000000,2000000,4000000').split(',').map(Number)
const HOST_PROF_DIR = arg('--host-cpu-prof', '')
/** `spikelab serve` has no SIGTERM handler; exiting normally on it lets --cpu-prof write the profile. */
const EXIT_ON_SIGTERM = `data:text/javascript,process.once('SIGTERM',()=>process.exit(0))`

interface LiveStats {
  frameIntervalsMs: number[]
  drawTimesMs: number[]
  eventsPerSecond: number
}

/**
 * Installed before the page's own scripts: long tasks of the main thread, and the drawing worker's
 * statistics the Live view re-publishes as 'spikelab:live-stats' events. (A string, because this
 * file is type-checked for Node, without the DOM library.)
 */
const COLLECTOR = `
  window.__bench = { stats: [], longTasks: [], since: 0 }
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.startTime >= window.__bench.since) window.__bench.longTasks.push(e.duration)
  }).observe({ type: 'longtask', buffered: false })
  window.addEventListener('spikelab:live-stats', (ev) => window.__bench.stats.push(ev.detail))
`
/** Waits until the Live view shows the sensor state (polling the DOM: the page's CSP forbids string predicates). */
async function sensorStateIs(page: Page, state: string): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 30_000; await page.waitForTimeout(100)) {
    if ((await page.getByTestId('sensor-state').innerText()) === state) return
  }
  throw new Error(`the sensor did not reach '${state}' in 30 s`)
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}

/** One LabApi request over its own WebSocket, from inside the page (same origin, as the UI's). */
async function labRequest(page: Page, method: string, params: object): Promise<unknown> {
  return page.locator('body').evaluate(
    (body, [m, p]) =>
      new Promise((resolve, reject) => {
        const win = body.ownerDocument.defaultView!
        const ws = new win.WebSocket(`ws://${win.location.host}/lab`)
        ws.onopen = () => ws.send(JSON.stringify({ type: 'request', id: 1, method: m, params: p }))
        ws.onmessage = (ev: { data: unknown }) => {
          if (typeof ev.data !== 'string') return
          const msg = JSON.parse(ev.data) as { type: string; id?: number; result?: unknown; error?: { message: string } }
          if (msg.type !== 'response' || msg.id !== 1) return
          ws.close()
          if (msg.error) reject(new Error(msg.error.message))
          else resolve(msg.result)
        }
        ws.onerror = () => reject(new Error('WebSocket failed'))
      }),
    [method, params] as const,
    { timeout: 120_000 }, // a loaded machine can take long to answer while 4 M events/s stream
  )
}

/** CPU seconds (user + system) used so far by a process and all its descendants (Linux /proc). */
function cpuSecondsOfTree(rootPid: number): number {
  const parent = new Map<number, number>()
  const ticks = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parent.set(Number(name), Number(fields[1]))
      ticks.set(Number(name), Number(fields[11]) + Number(fields[12]))
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0
  for (const [pid, t] of ticks) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) {
      if (p === rootPid) {
        total += t
        break
      }
    }
  }
  return total / 100 // USER_HZ
}

/** Chromium process type of a pid ('renderer', 'gpu-process', 'utility' (the network service), or 'browser'). */
function processType(pid: number): string {
  try {
    return /--type=([a-z-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser'
  } catch {
    return '?'
  }
}

/**
 * CPU seconds per Chromium thread kind ("renderer/CrRendererMain", "renderer/DedicatedWorker", …),
 * summed over every descendant process of this one that is not the host: where Chromium's time goes,
 * in CPU time, so the breakdown holds on a loaded machine too.
 */
function chromiumThreadSeconds(hostPid: number): Map<string, number> {
  const parent = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // ended meanwhile
    }
  }
  const underMe = (pid: number) => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) {
      if (p === hostPid) return false
      if (p === process.pid) return pid !== process.pid
    }
    return false
  }
  const out = new Map<string, number>()
  for (const pid of parent.keys()) {
    if (!underMe(pid)) continue
    const type = processType(pid)
    let tids: string[] = []
    try {
      tids = readdirSync(`/proc/${pid}/task`)
    } catch {
      continue
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        // A process's main thread carries the executable's name: call the renderer's what it is.
        const key = `${type}/${type === 'renderer' && comm === 'chromium' ? 'main thread' : comm}`
        out.set(key, (out.get(key) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100)
      } catch {
        // ended meanwhile
      }
    }
  }
  return out
}

/** CPU seconds of the host process tree, and of Chromium (every other descendant of this process). */
function cpuSplit(hostPid: number): { host: number; browser: number } {
  const mine = process.cpuUsage()
  const host = cpuSecondsOfTree(hostPid)
  return { host, browser: cpuSecondsOfTree(process.pid) - host - (mine.user + mine.system) / 1e6 }
}

const numberIn = async (page: Page, testId: string) => Number((await page.getByTestId(testId).innerText()).replace(/[^0-9]/g, ''))

async function main(): Promise<void> {
  const host = await startHostProcess([], HOST_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${HOST_PROF_DIR}`, '--import', EXIT_ON_SIGTERM] : [])
  const browser = await launchChromium()
  const rows: string[][] = []
  const threadRows: string[] = []
  let goalMet = false
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.addInitScript(COLLECTOR)
    await page.goto(`${host.url}#/live`)
    await page.getByTestId('live-view').waitFor()

    for (const rate of RATES) {
      await labRequest(page, 'sensor.connect', { device: 'sim:edvs', scene: 'moving-bar', eventsPerSecond: rate, baud: 0 })
      await sensorStateIs(page, 'streaming')
      await page.waitForTimeout(WARMUP_S * 1000)
      const decimatedBefore = await numberIn(page, 'decimated')
      const eventsBefore = await numberIn(page, 'events-total')
      const cpuBefore = cpuSplit(host.child.pid!)
      const threadsBefore = chromiumThreadSeconds(host.child.pid!)
      const wallBefore = performance.now()
      await page.evaluate('window.__bench.stats = []; window.__bench.longTasks = []; window.__bench.since = performance.now()')
      await page.waitForTimeout(SECONDS * 1000)
      const { stats, longTasks } = (await page.evaluate('({ stats: window.__bench.stats, longTasks: window.__bench.longTasks })')) as { stats: LiveStats[]; longTasks: number[] }
      const decimated = (await numberIn(page, 'decimated')) - decimatedBefore
      const events = (await numberIn(page, 'events-total')) - eventsBefore
      const wallS = (performance.now() - wallBefore) / 1000
      const cpuAfter = cpuSplit(host.child.pid!)
      const threadsAfter = chromiumThreadSeconds(host.child.pid!)
      const perThread = [...threadsAfter].map(([k, v]) => [k, (v - (threadsBefore.get(k) ?? 0)) / wallS] as const).filter(([, c]) => c >= 0.01)
      const workerCores = perThread.find(([k]) => k === 'renderer/DedicatedWorker')?.[1] ?? 0
      const drawnPerS = stats.reduce((a, s) => a + s.eventsPerSecond, 0) / Math.max(1, stats.length)
      threadRows.push(`${(rate / 1e6).toFixed(1)} M: drawing worker ${drawnPerS > 0 ? ((1000 * workerCores) / (drawnPerS / 1e6)).toFixed(0) : '—'} ms CPU per M events drawn; ${perThread.sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, c]) => `${k} ${c.toFixed(2)}`).join(', ')}`)
      const cpu = { host: cpuAfter.host - cpuBefore.host, browser: cpuAfter.browser - cpuBefore.browser }
      await labRequest(page, 'sensor.disconnect', {})
      await sensorStateIs(page, 'disconnected')
      await page.waitForTimeout(500)

      const intervals = stats.flatMap((s) => s.frameIntervalsMs)
      const draws = stats.flatMap((s) => s.drawTimesMs)
      const delivered = stats.reduce((a, s) => a + s.eventsPerSecond, 0) / Math.max(1, stats.length)
      const produced = events / wallS
      const p95 = quantile(intervals, 0.95)
      const longest = longTasks.length ? Math.max(...longTasks) : 0
      // "frame p95 ≤ 16.7 ms" = a frame on every 60 Hz refresh (1000/60 ms). The intervals are rAF
      // timestamps, which Chromium coarsens (0.1 ms without cross-origin isolation), so a steady
      // 60 fps reads 16.6–16.8 ms; a missed refresh reads 33.3 ms. Drawing must fit the budget too.
      if (delivered >= 2_000_000 && p95 <= 1000 / 60 + RAF_JITTER_MS && quantile(draws, 0.95) <= 1000 / 60 && longest <= 50) goalMet = true
      rows.push([
        (rate / 1e6).toFixed(1),
        (produced / 1e6).toFixed(2),
        (delivered / 1e6).toFixed(2),
        `${((100 * decimated) / Math.max(1, events)).toFixed(1)} %`,
        quantile(intervals, 0.5).toFixed(1),
        p95.toFixed(1),
        quantile(draws, 0.5).toFixed(1),
        quantile(draws, 0.95).toFixed(1),
        (intervals.length / Math.max(1, stats.length)).toFixed(0),
        `${longest.toFixed(0)} (${longTasks.length})`,
        (cpu.host / wallS).toFixed(2),
        (cpu.browser / wallS).toFixed(2),
        events > 0 ? ((1000 * cpu.host) / (events / 1e6)).toFixed(0) : '—',
      ])
      console.log(`  ${(rate / 1e6).toFixed(1)} M ev/s offered: ${stats.length} one-second samples`)
    }
  } finally {
    await browser.close()
    await host.stop()
  }

  const header = ['offered M/s', 'host M/s', 'drawn M/s', 'not drawn', 'frame p50 ms', 'frame p95 ms', 'draw p50 ms', 'draw p95 ms', 'fps', 'longest task ms (count)', 'host cores', 'Chromium cores', 'host CPU ms/M ev']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`
  console.log(`\nLive view, headless Chromium (${SECONDS} s per rate after ${WARMUP_S} s warm-up; simulated eDVS, unpaced link, moving bar)`)
  console.log(line(header))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const r of rows) console.log(line(r))
  console.log(`\nframe = interval between the drawing worker's animation frames; draw = its drawing time per frame;`)
  console.log(`host = events/s the sensor session produced; drawn = events/s that reached the worker; not drawn = decimated for display.`)
  console.log(`cores = CPU seconds per wall second used by the host process / by all of Chromium's processes (what they actually got);`)
  console.log(`host CPU ms/M ev = the host's CPU cost per million events (sensor simulation, eDVS parsing, live hub, WebSocket).`)
  console.log(`\nChromium CPU by thread (cores; process type/thread name, busiest first):`)
  for (const r of threadRows) console.log(`  ${r}`)
  console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (${(await import('node:os')).cpus().length} cores)`)
  console.log(`Goal (≥ 2 M events/s drawn at frame p95 ≤ 16.7 ms, i.e. every 60 Hz refresh within ${RAF_JITTER_MS} ms of timestamp jitter, draw p95 ≤ 16.7 ms, longest task ≤ 50 ms): ${goalMet ? 'met' : 'NOT met'}`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})

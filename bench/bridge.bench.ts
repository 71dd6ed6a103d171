// Bridge benchmark (issue #4): simulated eDVS (child process) → socat pty → serial transport →
// eDVS driver → crash-safe AEDAT 4 recorder, as a ratio of the raw pty throughput measured in the
// same run. Both arms use the same producer: the simulator child, streaming the same !E4 events,
// encoded on the fly in the same slices and written the same way; the raw arm starts it with `!E4`
// and `E+` alone and reads the bytes with the same transport without parsing. Goal: ratio ≥ 0.9
// with 0 lost events. Also: CPU time of the bridge process (all its threads) per million events.
// The machine is shared, so raw and bridge runs alternate, each is repeated, and the medians are
// reported. The parser holds its last 4 events back until the stream pauses (50 ms), so the bridge
// clock stops when every event but those is delivered; all must still be recorded. Bridge CPU is
// counted from the first event until the recording is closed (every event written).
// Run: npm run bench -- bridge   or   npx tsx bench/bridge.bench.ts [--events N] [--rounds R]
// Comparison modes (env):
//   BRIDGE_COMPRESSION=none|zstd   the recorder with another compression (default lz4, the app's)
//   SPIKELAB_EDVS_PARSE=owner      parse on the owner thread instead of the port's reader thread
//   SPIKELAB_SERIAL_READ=pool|batched   serialport's thread-pool reads / drains on the event loop
//                                  instead of the reader thread (implies owner-thread parsing);
//                                  BRIDGE_CHILD_READ=… sets it for the simulator child only
//   BRIDGE_CPU_PROF=DIR            CPU profiles of the simulator children
//   BRIDGE_THREADS=1               CPU per thread of the bridge, simulator and socat per M events
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { concatEventBatches, type EventBatch } from '../common/event-batch.js'
import { RecorderThread } from '../main/events/recorder-thread.js'
import { EdvsDriver } from '../native-bridge/edvs/driver.js'
import { SerialTransport } from '../native-bridge/serial/transport.js'
import { runSimEdvsOnPath } from '../native-bridge/sim-edvs/run-on-path.js'
import { randomEvents } from '../native-bridge/sim-edvs/scenes.js'

const self = fileURLToPath(import.meta.url)
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
/** !E4: 6 bytes per event. */
const STRIDE = 6
/** Events the parser holds back until the stream pauses (EdvsEventParser's default holdEvents). */
const HELD_EVENTS = 4

async function events(count: number): Promise<EventBatch> {
  const parts: EventBatch[] = []
  for await (const b of randomEvents({ count, seed: 3, batch: 65536 })) parts.push(b)
  return concatEventBatches(parts)
}

async function* slices(all: EventBatch, size: number): AsyncGenerator<EventBatch> {
  for (let i = 0; i < all.t.length; i += size) {
    const end = Math.min(all.t.length, i + size)
    yield { t: all.t.subarray(i, end), x: all.x.subarray(i, end), y: all.y.subarray(i, end), p: all.p.subarray(i, end) }
  }
}

// ---- child roles -------------------------------------------------------------------------------

async function simChild(devicePath: string, count: number): Promise<void> {
  const sim = await runSimEdvsOnPath(devicePath, { baud: 0, source: slices(await events(count), 65536), resetDelayMs: 20 })
  process.stdout.write('ready\n')
  process.on('SIGTERM', () => void sim.close().then(() => process.exit(0)))
}

// ---- measurements ------------------------------------------------------------------------------

async function startPair(dir: string) {
  const host = path.join(dir, 'host')
  const device = path.join(dir, 'device')
  rmSync(host, { force: true })
  rmSync(device, { force: true })
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${device}`], { stdio: 'ignore' })
  while (!existsSync(host) || !existsSync(device)) await new Promise((r) => setTimeout(r, 20))
  return { host, device, pid: proc.pid!, stop: () => proc.kill('SIGKILL') }
}

async function startChild(role: string, devicePath: string, count: number): Promise<ChildProcess> {
  // BRIDGE_CPU_PROF=DIR writes a CPU profile of each child (the simulator or the raw writer) to DIR.
  const profile = process.env.BRIDGE_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BRIDGE_CPU_PROF}`] : []
  const env = process.env.BRIDGE_CHILD_READ ? { ...process.env, SPIKELAB_SERIAL_READ: process.env.BRIDGE_CHILD_READ } : process.env
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', self, role, devicePath, String(count)], { stdio: ['pipe', 'pipe', 'inherit'], env })
  await new Promise((r) => child.stdout!.once('data', r))
  return child
}

/** A promise the data callbacks resolve (no polling timer in the measured process). */
function signal(timeoutMs: number, what: string): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`timed out: ${what}`)), timeoutMs)
    resolve = () => {
      clearTimeout(timer)
      res()
    }
  })
  return { promise, resolve }
}

/** The simulator's echo of the two commands the raw arm sends before the events: "!E4\n" and "E+\n". */
const RAW_PREFIX_BYTES = 7

/**
 * Bytes per second through the pty into the transport, no parsing. The producer is the same
 * simulator child as in the bridge arm (same events, encoding, slices and writes); the raw arm
 * starts it with `!E4` and `E+` alone (no handshake) and times from the first event byte.
 */
async function rawRun(dir: string, count: number): Promise<number> {
  const pair = await startPair(dir)
  const transport = new SerialTransport({ path: pair.host, baudRate: 4_000_000, rtscts: false, reconnect: false, presenceIntervalMs: 0 })
  await transport.open()
  const child = await startChild('--sim-child', pair.device, count)
  const watch = new ThreadWatch({ bridge: process.pid, sim: child.pid!, socat: pair.pid })
  const bytes = count * STRIDE + RAW_PREFIX_BYTES
  let reads = 0
  let got = 0
  let t0 = 0
  let t1 = 0
  const done = signal(300_000, 'raw bytes')
  transport.onData((c) => {
    const before = got
    got += c.length
    if (got <= RAW_PREFIX_BYTES) return
    if (before <= RAW_PREFIX_BYTES) {
      t0 = performance.now()
      watch.start()
    }
    reads++
    if (got >= bytes) {
      t1 = performance.now()
      done.resolve()
    }
  })
  await transport.write(new TextEncoder().encode('!E4\n'))
  await new Promise((r) => setTimeout(r, 50))
  await transport.write(new TextEncoder().encode('E+\n'))
  await done.promise
  watch.report(count)
  child.kill('SIGTERM')
  await transport.close()
  pair.stop()
  if (got !== bytes) throw new Error(`raw arm: expected ${bytes} bytes, got ${got}`)
  console.log(`  raw: ${reads} reads, ${((got - RAW_PREFIX_BYTES) / reads).toFixed(0)} B per read`)
  return (got - RAW_PREFIX_BYTES) / ((t1 - t0) / 1000)
}

interface BridgeRun {
  bytesPerSecond: number
  eventsPerSecond: number
  lost: number
  cpuMsPerMillion: number
}

async function bridgeRun(dir: string, count: number): Promise<BridgeRun> {
  const pair = await startPair(dir)
  const transport = new SerialTransport({ path: pair.host, baudRate: 4_000_000, rtscts: false, reconnect: false, presenceIntervalMs: 0 })
  await transport.open()
  const file = path.join(dir, 'bridge.aedat4')
  const recorder = await RecorderThread.open(file, { geometry: { width: 128, height: 128 }, compression: (process.env.BRIDGE_COMPRESSION ?? 'lz4') as 'lz4' | 'none' | 'zstd' })
  const child = await startChild('--sim-child', pair.device, count)
  const watch = new ThreadWatch({ bridge: process.pid, sim: child.pid!, socat: pair.pid })
  let n = 0
  let t0 = 0
  let t1 = 0
  let cpu0 = process.cpuUsage()
  const done = signal(300_000, 'bridged events')
  const driver = new EdvsDriver({
    link: transport,
    format: 4,
    onEvents: (b) => {
      if (n === 0) {
        t0 = performance.now()
        cpu0 = process.cpuUsage()
        watch.start()
      }
      recorder.append(b)
      n += b.t.length
      if (n >= count - HELD_EVENTS && t1 === 0) t1 = performance.now()
      if (n >= count) done.resolve()
    },
  })
  await driver.connect()
  await driver.start()
  await done.promise
  // CPU counts until every event is on disk: the recorder thread's share is included
  recorder.close()
  const cpu = process.cpuUsage(cpu0)
  watch.report(count)
  await driver.stop()
  driver.close()
  child.kill('SIGTERM')
  await transport.close()
  pair.stop()
  const seconds = (t1 - t0) / 1000
  return {
    bytesPerSecond: ((count - HELD_EVENTS) * STRIDE) / seconds,
    eventsPerSecond: (count - HELD_EVENTS) / seconds,
    lost: count - recorder.eventsWritten,
    cpuMsPerMillion: (cpu.user + cpu.system) / 1000 / (count / 1e6),
  }
}

/** CPU ms (user, system) of each thread of process `pid` (Linux /proc; 10 ms resolution). */
function threadTimes(pid: number): Map<number, { user: number; sys: number }> {
  const out = new Map<number, { user: number; sys: number }>()
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out.set(Number(tid), { user: Number(f[11]) * 10, sys: Number(f[12]) * 10 })
    }
  } catch {
    // the process is gone
  }
  return out
}

/**
 * BRIDGE_THREADS=1: CPU per thread of every process in the pipeline over the measured interval,
 * per million events, to see where the time goes (main = the process's first thread).
 */
class ThreadWatch {
  private readonly before = new Map<number, Map<number, { user: number; sys: number }>>()
  constructor(private readonly pids: Record<string, number>) {}
  start(): void {
    if (!process.env.BRIDGE_THREADS) return
    for (const pid of Object.values(this.pids)) this.before.set(pid, threadTimes(pid))
  }
  report(events: number): void {
    if (!process.env.BRIDGE_THREADS) return
    const parts: string[] = []
    for (const [name, pid] of Object.entries(this.pids)) {
      const was = this.before.get(pid) ?? new Map()
      for (const [tid, now] of threadTimes(pid)) {
        const b = was.get(tid) ?? { user: 0, sys: 0 }
        const user = ((now.user - b.user) * 1e6) / events
        const sys = ((now.sys - b.sys) * 1e6) / events
        if (user + sys >= 5) parts.push(`${name}${tid === pid ? ':main' : `:${tid}`} ${user.toFixed(0)}u+${sys.toFixed(0)}s`)
      }
    }
    console.log(`  threads (ms per M events): ${parts.join(', ')}`)
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const role = process.argv[2]
if (role === '--sim-child') {
  await simChild(process.argv[3], Number(process.argv[4]))
} else {
  const count = arg('--events', 1_000_000)
  const rounds = arg('--rounds', 5)
  const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-bridge-bench-'))
  try {
    const raws: number[] = []
    const bridges: BridgeRun[] = []
    for (let r = 0; r < rounds; r++) {
      raws.push(await rawRun(dir, count))
      bridges.push(await bridgeRun(dir, count))
      const b = bridges[r]
      console.log(`round ${r + 1}: raw ${(raws[r] / 1e6).toFixed(2)} MB/s, bridge ${(b.bytesPerSecond / 1e6).toFixed(2)} MB/s (${(b.eventsPerSecond / 1e6).toFixed(2)} M ev/s), ratio ${(b.bytesPerSecond / raws[r]).toFixed(2)}, lost ${b.lost}, ${b.cpuMsPerMillion.toFixed(0)} ms CPU per M events`)
    }
    const ratios = bridges.map((b, i) => b.bytesPerSecond / raws[i])
    const lost = bridges.reduce((s, b) => s + b.lost, 0)
    console.log(`bridge (!E4, ${(count / 1e6).toFixed(1)} M events = ${((count * STRIDE) / 1e6).toFixed(0)} MB per run, ${rounds} rounds, medians):`)
    console.log(`  raw pty (serialport → socat → serialport): ${(median(raws) / 1e6).toFixed(2)} MB/s`)
    console.log(`  sim → pty → transport → driver → recorder (${process.env.BRIDGE_COMPRESSION ?? 'lz4'}): ${(median(bridges.map((b) => b.bytesPerSecond)) / 1e6).toFixed(2)} MB/s, ${(median(bridges.map((b) => b.eventsPerSecond)) / 1e6).toFixed(2)} M ev/s`)
    console.log(`  ratio bridge / raw: ${median(ratios).toFixed(2)} (goal ≥ 0.9; per round ${ratios.map((x) => x.toFixed(2)).join(', ')})`)
    console.log(`  lost events: ${lost}`)
    console.log(`  bridge process CPU: ${median(bridges.map((b) => b.cpuMsPerMillion)).toFixed(0)} ms per M events`)
    if (lost !== 0) process.exitCode = 1
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

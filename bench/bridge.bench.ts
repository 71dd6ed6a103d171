// Bridge benchmark (issue #4): simulated eDVS (child process) → socat pty → serial transport →
// eDVS driver → crash-safe AEDAT 4 recorder, as a ratio of the raw pty throughput measured in the
// same run with the same bytes (the same !E4 stream, written in the same chunk sizes, read by the
// same transport without parsing). Goal: ratio ≥ 0.9 with 0 lost events. Also: CPU time of the
// bridge process per million events. The machine is shared, so raw and bridge runs alternate,
// each is repeated, and the medians are reported.
// Run: npm run bench -- bridge   or   npx tsx bench/bridge.bench.ts [--events N] [--rounds R]
// BRIDGE_COMPRESSION=none|zstd measures the recorder with another compression (default lz4, the app's).
// SPIKELAB_SERIAL_READ=pool (BRIDGE_CHILD_READ=pool for the child processes only) uses serialport's
// own thread-pool reads instead of the batched reads, for comparison; BRIDGE_CPU_PROF=DIR profiles
// the children.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SerialPort } from 'serialport'
import { concatEventBatches, type EventBatch } from '../common/event-batch.js'
import { RecorderThread } from '../main/events/recorder-thread.js'
import { EdvsDriver } from '../native-bridge/edvs/driver.js'
import { EdvsEncoder } from '../native-bridge/edvs/encoder.js'
import { ABS32 } from '../native-bridge/edvs/formats.js'
import { SerialTransport } from '../native-bridge/serial/transport.js'
import { runSimEdvsOnPath } from '../native-bridge/sim-edvs/run-on-path.js'
import { randomEvents } from '../native-bridge/sim-edvs/scenes.js'

const self = fileURLToPath(import.meta.url)
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
/** !E4: 6 bytes per event; the simulator writes slices of 65 536 / 6 events. */
const STRIDE = 6
const SLICE_EVENTS = Math.floor(65536 / STRIDE)

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

/** Writes the same !E4 bytes the simulator would send, in the simulator's slice sizes. */
async function rawChild(devicePath: string, count: number): Promise<void> {
  const wire = new EdvsEncoder(ABS32).encode(await events(count))
  const port = new SerialPort({ path: devicePath, baudRate: 4_000_000, autoOpen: false })
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())))
  process.stdout.write('ready\n')
  process.stdin.once('data', async () => {
    for (let at = 0; at < wire.length; at += SLICE_EVENTS * STRIDE) {
      if (!port.write(wire.subarray(at, at + SLICE_EVENTS * STRIDE))) await new Promise((r) => port.once('drain', r))
    }
  })
  process.on('SIGTERM', () => port.close(() => process.exit(0)))
}

// ---- measurements ------------------------------------------------------------------------------

async function startPair(dir: string) {
  const host = path.join(dir, 'host')
  const device = path.join(dir, 'device')
  rmSync(host, { force: true })
  rmSync(device, { force: true })
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${device}`], { stdio: 'ignore' })
  while (!existsSync(host) || !existsSync(device)) await new Promise((r) => setTimeout(r, 20))
  return { host, device, stop: () => proc.kill('SIGKILL') }
}

async function startChild(role: string, devicePath: string, count: number): Promise<ChildProcess> {
  // BRIDGE_CPU_PROF=DIR writes a CPU profile of each child (the simulator or the raw writer) to DIR.
  const profile = process.env.BRIDGE_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BRIDGE_CPU_PROF}`] : []
  const env = process.env.BRIDGE_CHILD_READ ? { ...process.env, SPIKELAB_SERIAL_READ: process.env.BRIDGE_CHILD_READ } : process.env
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', self, role, devicePath, String(count)], { stdio: ['pipe', 'pipe', 'inherit'], env })
  await new Promise((r) => child.stdout!.once('data', r))
  return child
}

const until = async (check: () => boolean, timeoutMs: number, what: string) => {
  const start = performance.now()
  while (!check()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

/** Bytes per second through the pty into the transport, no parsing. */
async function rawRun(dir: string, count: number): Promise<number> {
  const pair = await startPair(dir)
  const transport = new SerialTransport({ path: pair.host, baudRate: 4_000_000, rtscts: false, reconnect: false, presenceIntervalMs: 0 })
  await transport.open()
  const bytes = count * STRIDE
  let reads = 0
  let got = 0
  let t0 = 0
  let t1 = 0
  transport.onData((c) => {
    if (got === 0) t0 = performance.now()
    got += c.length
    reads++
    if (got >= bytes) t1 = performance.now()
  })
  const child = await startChild('--raw-child', pair.device, count)
  child.stdin!.write('go\n')
  await until(() => got >= bytes, 300_000, 'raw bytes')
  child.kill('SIGTERM')
  await transport.close()
  pair.stop()
  console.log(`  raw: ${reads} reads, ${(got / reads).toFixed(0)} B per read`)
  return got / ((t1 - t0) / 1000)
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
  let n = 0
  let t0 = 0
  let t1 = 0
  let cpu0 = process.cpuUsage()
  const driver = new EdvsDriver({
    link: transport,
    format: 4,
    onEvents: (b) => {
      if (n === 0) {
        t0 = performance.now()
        cpu0 = process.cpuUsage()
      }
      recorder.append(b)
      n += b.t.length
      if (n >= count) t1 = performance.now()
    },
  })
  await driver.connect()
  await driver.start()
  // The parser holds the last 4 events until the stream pauses (50 ms); they count as arriving then.
  await until(() => n >= count, 300_000, 'bridged events')
  const cpu = process.cpuUsage(cpu0)
  recorder.close()
  await driver.stop()
  driver.close()
  child.kill('SIGTERM')
  await transport.close()
  pair.stop()
  const seconds = (t1 - t0) / 1000
  return {
    bytesPerSecond: (n * STRIDE) / seconds,
    eventsPerSecond: n / seconds,
    lost: count - recorder.eventsWritten,
    cpuMsPerMillion: (cpu.user + cpu.system) / 1000 / (count / 1e6),
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const role = process.argv[2]
if (role === '--sim-child') {
  await simChild(process.argv[3], Number(process.argv[4]))
} else if (role === '--raw-child') {
  await rawChild(process.argv[3], Number(process.argv[4]))
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

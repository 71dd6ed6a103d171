// eDVS benchmarks: parser throughput per format, and simulated sensor → socat pty → transport →
// driver throughput compared with raw pty throughput measured in the same run.
// Run: npx tsx bench/edvs.bench.ts [--events N]   (default run well under 2 minutes)
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SerialPort } from 'serialport'
import type { EventBatch } from '../common/event-batch.js'
import { createEventBatch } from '../common/event-batch.js'
import { EdvsDriver } from '../native-bridge/edvs/driver.js'
import { EdvsEncoder } from '../native-bridge/edvs/encoder.js'
import { EdvsEventParser } from '../native-bridge/edvs/event-parser.js'
import { formatFor } from '../native-bridge/edvs/formats.js'
import { SerialTransport } from '../native-bridge/serial/transport.js'
import { runSimEdvsOnPath } from '../native-bridge/sim-edvs/run-on-path.js'
import { seededRandom } from '../native-bridge/sim-edvs/scenes.js'

const self = fileURLToPath(import.meta.url)
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

function randomEvents(n: number, seed: number): EventBatch {
  const r = seededRandom(seed)
  const b = createEventBatch(n)
  let t = 0
  for (let i = 0; i < n; i++) {
    t += Math.floor(r() * 100)
    b.t[i] = t
    b.x[i] = Math.floor(r() * 128)
    b.y[i] = Math.floor(r() * 128)
    b.p[i] = r() < 0.5 ? 1 : 0
  }
  return b
}

async function* batches(events: EventBatch, size: number): AsyncGenerator<EventBatch> {
  for (let i = 0; i < events.t.length; i += size) {
    const end = Math.min(events.t.length, i + size)
    yield { t: events.t.subarray(i, end), x: events.x.subarray(i, end), y: events.y.subarray(i, end), p: events.p.subarray(i, end) }
  }
}

// ---- child roles -------------------------------------------------------------------------------

async function simChild(devicePath: string, count: number): Promise<void> {
  const sim = await runSimEdvsOnPath(devicePath, { baud: 0, source: batches(randomEvents(count, 3), 8192), resetDelayMs: 20 })
  process.stdout.write('ready\n')
  process.on('SIGTERM', () => void sim.close().then(() => process.exit(0)))
}

async function rawChild(devicePath: string, bytes: number): Promise<void> {
  const port = new SerialPort({ path: devicePath, baudRate: 4_000_000, autoOpen: false })
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())))
  process.stdout.write('ready\n')
  const chunk = Buffer.alloc(65536, 0x55)
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    if (!port.write(chunk)) await new Promise((r) => port.once('drain', r))
  }
  process.on('SIGTERM', () => port.close(() => process.exit(0)))
}

// ---- measurements ------------------------------------------------------------------------------

function benchParser(count: number): void {
  const events = randomEvents(count, 1)
  for (const command of [0, 1, 2, 3, 4]) {
    const layout = formatFor('current', command).layout
    const wire = new EdvsEncoder(layout).encode(events)
    let s = Infinity // best of 3: the machine is shared, so take the least disturbed run
    for (let run = 0; run < 3; run++) {
      const parser = new EdvsEventParser({ layout, clockUs: () => 0 })
      const t0 = performance.now()
      let n = 0
      for (let at = 0; at < wire.length; at += 65536) n += parser.push(wire.subarray(at, at + 65536)).t.length
      n += parser.flush().t.length
      s = Math.min(s, (performance.now() - t0) / 1000)
      if (n !== count) throw new Error(`parser lost events in !E${command}: ${n} of ${count}`)
    }
    console.log(`edvs parser !E${command}: ${(count / s / 1e6).toFixed(1)} M ev/s (${((wire.length / s) / 1e6).toFixed(0)} MB/s)`)
  }
}

async function startPair(dir: string) {
  const host = path.join(dir, 'host')
  const device = path.join(dir, 'device')
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${device}`], { stdio: 'ignore' })
  while (!existsSync(host) || !existsSync(device)) await new Promise((r) => setTimeout(r, 20))
  return { host, device, stop: () => proc.kill('SIGKILL') }
}

async function startChild(role: string, devicePath: string, amount: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', self, role, devicePath, String(amount)], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((r) => child.stdout.once('data', r))
  return child
}

async function benchRawPty(dir: string, bytes: number): Promise<number> {
  const pair = await startPair(dir)
  const transport = new SerialTransport({ path: pair.host, baudRate: 4_000_000, rtscts: false, reconnect: false })
  await transport.open()
  let got = 0
  let t0 = 0
  transport.onData((c) => {
    if (got === 0) t0 = performance.now()
    got += c.length
  })
  const child = await startChild('--raw-child', pair.device, bytes)
  while (got < bytes) await new Promise((r) => setTimeout(r, 5))
  const rate = got / ((performance.now() - t0) / 1000)
  child.kill('SIGTERM')
  await transport.close()
  pair.stop()
  console.log(`raw pty (serialport → socat → serialport): ${(rate / 1e6).toFixed(1)} MB/s`)
  return rate
}

async function benchSimPty(dir: string, count: number, rawRate: number): Promise<void> {
  const pair = await startPair(dir)
  const transport = new SerialTransport({ path: pair.host, baudRate: 4_000_000, rtscts: false, reconnect: false })
  await transport.open()
  const child = await startChild('--sim-child', pair.device, count)
  let n = 0
  let t0 = 0
  const driver = new EdvsDriver({
    link: transport,
    format: 4,
    onEvents: (b) => {
      if (n === 0) t0 = performance.now()
      n += b.t.length
    },
  })
  await driver.connect()
  const cpu0 = process.cpuUsage()
  await driver.start()
  while (n < count) await new Promise((r) => setTimeout(r, 5))
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  await driver.stop()
  driver.close()
  child.kill('SIGTERM')
  await transport.close()
  pair.stop()
  const bytesRate = (count * 6) / seconds
  console.log(`sim → pty → driver (!E4): ${(count / seconds / 1e6).toFixed(2)} M ev/s, ${(bytesRate / 1e6).toFixed(1)} MB/s, lost ${count - n} events`)
  console.log(`sim → pty → driver / raw pty: ${(bytesRate / rawRate).toFixed(2)}`)
  console.log(`driver process CPU: ${(((cpu.user + cpu.system) / 1000) / (count / 1e6)).toFixed(0)} ms per M events`)
}

const role = process.argv[2]
if (role === '--sim-child') {
  await simChild(process.argv[3], Number(process.argv[4]))
} else if (role === '--raw-child') {
  await rawChild(process.argv[3], Number(process.argv[4]))
} else {
  const count = arg('--events', 1_000_000)
  benchParser(Math.max(count, 1_000_000))
  const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-edvs-bench-'))
  try {
    const raw = await benchRawPty(dir, count * 6)
    await benchSimPty(dir, count, raw)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

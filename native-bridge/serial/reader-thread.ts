import { Worker } from 'node:worker_threads'

/**
 * Reads a Unix serial port's fd on a thread of its own. A tty read is expensive: the kernel's line
 * discipline work for bytes that queued while the reader was busy runs inside the reader's read()
 * (n_tty flushes pending input in the caller's context), so on the thread that also parses, every
 * parse stalls the reads and the reads take most of that thread (bench/bridge.bench.ts: 60 %).
 * Here a worker drains the fd (non-blocking reads, up to 64 KiB per message, a short sleep when
 * there is nothing) and transfers chunks to the owner, who hands them to serialport's stream.
 * Bytes in flight to the owner are bounded (IN_FLIGHT_LIMIT): beyond it the worker stops reading, so
 * the kernel buffer fills and flow control (RTS/CTS) throttles the device as before.
 */

/** The worker's source: plain JavaScript, evaluated, so it starts in milliseconds and needs no loader. */
const READER_SOURCE = `
const { readSync } = require('node:fs')
const { parentPort, workerData } = require('node:worker_threads')
const { fd, control, limit } = workerData
const ctl = new Int32Array(control) // [0] stop, [1] bytes posted and not yet consumed
const CHUNK = 65536
let idleMs = 0.25
for (;;) {
  if (Atomics.load(ctl, 0) !== 0) break
  if (Atomics.load(ctl, 1) >= limit) { Atomics.wait(ctl, 1, Atomics.load(ctl, 1), 5); continue }
  const buf = new Uint8Array(CHUNK)
  let got = 0
  let failure = null
  try {
    while (got < CHUNK) {
      const n = readSync(fd, buf, got, CHUNK - got, null)
      if (n === 0) break
      got += n
    }
  } catch (err) {
    if (err.code !== 'EAGAIN' && err.code !== 'EWOULDBLOCK' && err.code !== 'EINTR') failure = { code: err.code, errno: err.errno, message: err.message }
  }
  if (got > 0) {
    Atomics.add(ctl, 1, got)
    parentPort.postMessage({ chunk: buf.buffer, length: got }, [buf.buffer])
    idleMs = 0.25
  }
  if (failure) { parentPort.postMessage({ failure }); break }
  if (got === 0) {
    Atomics.wait(ctl, 0, 0, idleMs)
    idleMs = Math.min(idleMs * 2, 4)
  }
}
`

/** Bytes posted to the owner and not yet handed to serialport before the worker pauses. */
const IN_FLIGHT_LIMIT = 1 << 20

export interface ThreadReader {
  read(buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }>
  /** Stops the worker and waits until it no longer touches the fd (call before the fd is closed). */
  stop(): Promise<void>
}

type Failure = { code?: string; errno?: number; message: string }

export function startThreadReader(fd: number): ThreadReader {
  const control = new SharedArrayBuffer(8)
  const ctl = new Int32Array(control)
  const worker = new Worker(READER_SOURCE, { eval: true, workerData: { fd, control, limit: IN_FLIGHT_LIMIT } })
  const queue: Uint8Array[] = []
  let failure: Failure | null = null
  let stopped = false
  let waiter: (() => void) | null = null
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  worker.on('message', (msg: { chunk?: ArrayBuffer; length?: number; failure?: Failure }) => {
    if (msg.chunk) queue.push(new Uint8Array(msg.chunk, 0, msg.length))
    if (msg.failure) failure = msg.failure
    waiter?.()
  })
  worker.on('error', (err) => {
    failure = { message: `serial reader thread: ${err.message}` }
    waiter?.()
  })
  // Not unref'd: like serialport's poller, an open port keeps the process alive (a simulator whose
  // only work is answering its port would otherwise exit).

  const canceled = () => Object.assign(new Error('Port is not open'), { canceled: true })

  return {
    async read(buffer, offset, length) {
      for (;;) {
        if (stopped) throw canceled()
        const head = queue[0]
        if (head) {
          const n = Math.min(length, head.length)
          buffer.set(head.subarray(0, n), offset)
          if (n === head.length) queue.shift()
          else queue[0] = head.subarray(n)
          Atomics.sub(ctl, 1, n)
          Atomics.notify(ctl, 1)
          return { bytesRead: n, buffer }
        }
        if (failure) {
          const f = failure
          const err = Object.assign(new Error(f.message), { code: f.code, errno: f.errno })
          // as bindings-cpp's unixRead: these codes mean the device went away
          if (f.code === 'EBADF' || f.code === 'ENXIO' || f.code === 'EIO' || f.code === 'UNKNOWN' || f.errno === -1) Object.assign(err, { disconnect: true })
          throw err
        }
        await new Promise<void>((resolve) => (waiter = resolve))
        waiter = null
      }
    },
    async stop() {
      if (stopped) return exited
      stopped = true
      Atomics.store(ctl, 0, 1)
      Atomics.notify(ctl, 0)
      Atomics.notify(ctl, 1)
      waiter?.()
      await exited
    },
  }
}

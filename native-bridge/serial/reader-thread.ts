import { MessageChannel, Worker } from 'node:worker_threads'

/**
 * Reads a Unix serial port's fd on a thread of its own. A tty read is expensive: the kernel's line
 * discipline work for bytes that queued while the reader was busy runs inside the reader's read()
 * (n_tty flushes pending input in the caller's context), so on the thread that also parses, every
 * parse stalls the reads and the reads take most of that thread (bench/bridge.bench.ts: 60 %).
 * Here a worker drains the fd (non-blocking reads, up to 64 KiB per message, a 1–4 ms sleep when
 * there is nothing) and transfers chunks to the owner, who hands them to serialport's stream.
 * Bytes in flight to the owner are bounded (IN_FLIGHT_LIMIT): beyond it the worker stops reading, so
 * the kernel buffer fills and flow control (RTS/CTS) throttles the device as before.
 *
 * The thread can also parse (edvs-serial.md §10.2, "parse in a worker and post batched typed
 * arrays"): `parse()` loads a parser module into the thread, and from then on each read is pushed
 * through it and only its output (e.g. one packed, transferred event batch) goes to the owner,
 * never the bytes; `unparse()` flushes it and returns to bytes (for command replies).
 */

/** What a parser module run in the reader thread returns per step: the value posted, and the buffers transferred with it. */
export interface ThreadParserOutput {
  readonly value: unknown
  readonly transfer?: ArrayBuffer[]
}

/** The contract of a module the thread loads: `export function createThreadParser(options: unknown): ThreadParser`. */
export interface ThreadParser {
  push(chunk: Uint8Array): ThreadParserOutput
  /** The stream paused: output whatever was held back for later checks. */
  flushHeld(): ThreadParserOutput
  /** Parsing ends: output everything. */
  flush(): ThreadParserOutput
}

export interface ThreadParseRequest {
  /** URL of the parser module (built `.js`, or `.ts` source: tsx is registered in the thread first). */
  readonly module: string
  /** Structured-cloneable options for `createThreadParser`. */
  readonly options: unknown
  /** After this much silence `flushHeld()` runs (once per pause); 0 = never. */
  readonly idleFlushMs: number
}

/** Receives each parser output in order; `bytes` is how many bytes the read that produced it held (0 for flushes). */
export type ThreadParsedSink = (value: unknown, bytes: number) => void

/** The worker's source: plain JavaScript, evaluated, so it starts in milliseconds and needs no loader. */
const READER_SOURCE = `
const { readSync } = require('node:fs')
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads')
const { fd, control, limit, commands } = workerData
const ctl = new Int32Array(control) // [0] stop, [1] bytes posted and not yet consumed
const CHUNK = 65536
// First sleep when the fd is empty (doubling to 4 ms): 1 ms lets a flowing stream gather ~16 KB
// per read at 16 MB/s, so fewer reads, EAGAIN errors and messages per byte; an FTDI adapter batches by 16 ms anyway.
const IDLE_MS = 1
const scratch = new Uint8Array(CHUNK) // parsing: the parser copies what it keeps, so one buffer serves every read
let parser = null
let idleFlushMs = 0
let lastBytesAt = 0
let heldOut = true
let tsx = false

function post(out, bytes) {
  parentPort.postMessage({ kind: 'parsed', value: out.value, bytes }, out.transfer || [])
}

async function command(cmd) {
  if (cmd.kind === 'parse') {
    try {
      if (cmd.module.endsWith('.ts') && !tsx) {
        const { register } = await import('tsx/esm/api')
        register()
        tsx = true
      }
      const mod = await import(cmd.module)
      parser = mod.createThreadParser(cmd.options)
      idleFlushMs = cmd.idleFlushMs
      heldOut = true
      parentPort.postMessage({ kind: 'parsing', id: cmd.id })
    } catch (err) {
      parentPort.postMessage({ kind: 'parse-failed', id: cmd.id, message: String((err && err.message) || err) })
    }
  } else if (cmd.kind === 'bytes') {
    if (parser) post(parser.flush(), 0)
    parser = null
    parentPort.postMessage({ kind: 'bytes', id: cmd.id })
  }
}

async function run() {
  let idleMs = IDLE_MS
  for (;;) {
    let m
    while ((m = receiveMessageOnPort(commands))) await command(m.message)
    if (Atomics.load(ctl, 0) !== 0) break
    if (Atomics.load(ctl, 1) >= limit) { Atomics.wait(ctl, 1, Atomics.load(ctl, 1), 5); continue }
    const buf = parser ? scratch : new Uint8Array(CHUNK)
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
      if (parser) {
        post(parser.push(buf.subarray(0, got)), got)
        lastBytesAt = Date.now()
        heldOut = false
      } else {
        parentPort.postMessage({ chunk: buf.buffer, length: got }, [buf.buffer])
      }
      idleMs = IDLE_MS
    }
    if (failure) {
      // the port is gone: what the parser still holds back for checking goes out before the loss
      if (parser) post(parser.flush(), 0)
      parentPort.postMessage({ failure })
      break
    }
    if (got === 0) {
      if (parser && !heldOut && idleFlushMs > 0 && Date.now() - lastBytesAt >= idleFlushMs) {
        heldOut = true
        post(parser.flushHeld(), 0)
      }
      Atomics.wait(ctl, 0, 0, idleMs)
      idleMs = Math.min(idleMs * 2, 4)
    }
  }
  commands.close()
}
run().catch((err) => parentPort.postMessage({ failure: { message: 'serial reader thread: ' + ((err && err.stack) || err) } }))
`

/** Bytes posted to the owner and not yet handed to serialport (or parsed and not yet received) before the worker pauses. */
const IN_FLIGHT_LIMIT = 1 << 20

export interface ThreadReader {
  read(buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }>
  /**
   * Parses in the thread from the next read on: resolves once every later byte goes to the parser
   * (bytes read before are still handed to `read`); rejects if the module cannot be loaded.
   */
  parse(request: ThreadParseRequest, sink: ThreadParsedSink): Promise<void>
  /** Flushes the parser (its last output reaches the sink first) and hands bytes to `read` again. */
  unparse(): Promise<void>
  /** Stops the worker and waits until it no longer touches the fd (call before the fd is closed). */
  stop(): Promise<void>
}

type Failure = { code?: string; errno?: number; message: string }

type ToOwner =
  | { chunk: ArrayBuffer; length: number; kind?: undefined; failure?: undefined }
  | { kind: 'parsed'; value: unknown; bytes: number; failure?: undefined }
  | { kind: 'parsing' | 'bytes'; id: number; failure?: undefined }
  | { kind: 'parse-failed'; id: number; message: string; failure?: undefined }
  | { failure: Failure; kind?: undefined }

export function startThreadReader(fd: number): ThreadReader {
  const control = new SharedArrayBuffer(8)
  const ctl = new Int32Array(control)
  const { port1: commands, port2: threadCommands } = new MessageChannel()
  const worker = new Worker(READER_SOURCE, {
    eval: true,
    workerData: { fd, control, limit: IN_FLIGHT_LIMIT, commands: threadCommands },
    transferList: [threadCommands],
  })
  const queue: Uint8Array[] = []
  let failure: Failure | null = null
  let stopped = false
  let waiter: (() => void) | null = null
  let sink: ThreadParsedSink | null = null
  let nextId = 0
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>()
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      for (const p of pending.values()) p.reject(new Error('the serial reader thread stopped'))
      pending.clear()
      resolve()
    }),
  )
  const settle = (id: number, err?: Error) => {
    const p = pending.get(id)
    pending.delete(id)
    if (err) p?.reject(err)
    else p?.resolve()
  }
  worker.on('message', (msg: ToOwner) => {
    if (msg.kind === 'parsed') {
      if (msg.bytes > 0) {
        Atomics.sub(ctl, 1, msg.bytes)
        Atomics.notify(ctl, 1)
      }
      sink?.(msg.value, msg.bytes)
      return
    }
    if (msg.kind === 'parsing' || msg.kind === 'bytes') settle(msg.id)
    else if (msg.kind === 'parse-failed') settle(msg.id, new Error(`the serial reader thread cannot load its parser: ${msg.message}`))
    else if (msg.failure) failure = msg.failure
    else if ('chunk' in msg) queue.push(new Uint8Array(msg.chunk, 0, msg.length))
    waiter?.()
  })
  worker.on('error', (err) => {
    failure = { message: `serial reader thread: ${err.message}` }
    waiter?.()
  })
  // Not unref'd: like serialport's poller, an open port keeps the process alive (a simulator whose
  // only work is answering its port would otherwise exit).

  const canceled = () => Object.assign(new Error('Port is not open'), { canceled: true })
  const request = (cmd: { kind: 'parse' | 'bytes' } & Partial<ThreadParseRequest>) =>
    new Promise<void>((resolve, reject) => {
      if (stopped || failure) {
        reject(new Error('the serial reader thread stopped'))
        return
      }
      const id = nextId++
      pending.set(id, { resolve, reject })
      commands.postMessage({ ...cmd, id })
      Atomics.notify(ctl, 0) // wake it from its idle wait
    })

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
    async parse(req, onParsed) {
      sink = onParsed
      try {
        await request({ kind: 'parse', module: req.module, options: req.options, idleFlushMs: req.idleFlushMs })
      } catch (err) {
        sink = null
        throw err
      }
    },
    async unparse() {
      await request({ kind: 'bytes' })
      sink = null
    },
    async stop() {
      if (stopped) return exited
      stopped = true
      sink = null
      Atomics.store(ctl, 0, 1)
      Atomics.notify(ctl, 0)
      Atomics.notify(ctl, 1)
      waiter?.()
      await exited
      commands.close()
    },
  }
}

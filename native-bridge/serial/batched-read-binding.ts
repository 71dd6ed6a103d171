import { readSync } from 'node:fs'
import { SerialPort } from 'serialport'
import { startThreadReader, type ThreadReader } from './reader-thread.js'

/** serialport's binding as `SerialPort` uses it (autoDetect()): list + open. */
type Binding = typeof SerialPort.binding
type PortBinding = Awaited<ReturnType<Binding['open']>>

/** The Unix port bindings' (Linux, macOS) members this read path relies on. */
interface UnixPortBinding {
  fd: number | null
  readonly isOpen: boolean
  poller: { once(event: 'readable', listener: (err: Error | null) => void): void }
}

/** The reader thread of a port opened through `batchedReadBinding` (undefined for other ports). */
export function threadReaderOf(bindingPort: unknown): ThreadReader | undefined {
  return (bindingPort as { threadReader?: ThreadReader } | undefined)?.threadReader
}

const isUnixPort = (port: object): port is UnixPortBinding & PortBinding =>
  'poller' in port && 'fd' in port && typeof (port as { fd: unknown }).fd === 'number'

/**
 * serialport's Unix read issues one `fs.read` on the thread pool per call; a pty or a USB-serial
 * device hands over at most ~4 KiB at a time, and whenever the device is not ahead the read fails
 * with EAGAIN (an Error object), then waits for the poller and goes to the pool again. At 13 MB/s
 * that is >3,000 pool round trips and errors per second on the event loop that also parses and
 * records. Here a read waits for the poller ('readable'), then drains what the kernel holds with
 * non-blocking `readSync` calls (the fd is opened O_NONBLOCK, so they never block) into the one
 * buffer serialport offers, up to its size. Errors keep serialport's meaning: EAGAIN means "wait",
 * a disconnect code is flagged `disconnect` as bindings-cpp's unixRead does.
 */
export async function readAvailable(port: UnixPortBinding, buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }> {
  for (;;) {
    if (!port.isOpen || port.fd === null) throw Object.assign(new Error('Port is not open'), { canceled: true })
    let got = 0
    try {
      while (got < length) {
        const n = readSync(port.fd, buffer, offset + got, length - got, null)
        if (n === 0) break
        got += n
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') {
        if (got > 0) return { bytesRead: got, buffer } // hand over what came; the error recurs on the next read
        const e = err as NodeJS.ErrnoException & { disconnect?: boolean }
        if (code === 'EBADF' || code === 'ENXIO' || code === 'EIO' || code === 'UNKNOWN' || e.errno === -1) e.disconnect = true
        throw err
      }
    }
    if (got > 0) return { bytesRead: got, buffer }
    await new Promise<void>((resolve, reject) => port.poller.once('readable', (err) => (err ? reject(err) : resolve())))
  }
}

/**
 * The platform binding with the batched read on Unix ports; Windows ports keep their own reader
 * (overlapped I/O on a native thread, no poller).
 */
export function batchedReadBinding(base: Binding = SerialPort.binding): Binding {
  // 'pool': serialport's own reader; 'batched': drained on the event loop; 'thread' (default): a
  // reader thread (reader-thread.ts). The first two remain for comparison in bench/bridge.bench.ts.
  const mode = process.env.SPIKELAB_SERIAL_READ ?? 'thread'
  if (mode === 'pool') return base
  return {
    ...base,
    list: () => base.list(),
    open: async (options: Parameters<Binding['open']>[0]) => {
      const port = await (base.open as (o: typeof options) => Promise<PortBinding>)(options)
      if (!isUnixPort(port) || port.fd === null) return port
      const unixPort = port
      if (mode === 'batched') {
        port.read = (buffer: Buffer, offset: number, length: number) => readAvailable(unixPort, buffer, offset, length)
        return port
      }
      const reader = startThreadReader(port.fd)
      Object.assign(port, { threadReader: reader })
      const closePort = port.close.bind(port)
      port.read = (buffer: Buffer, offset: number, length: number) => reader.read(buffer, offset, length)
      // the reader must be off the fd before it is closed (a reused fd number would be someone else's)
      port.close = async () => {
        await reader.stop()
        return closePort()
      }
      return port
    },
  } as Binding
}

import { SerialPort } from 'serialport'
import type { ByteDuplex } from './duplex.js'

/**
 * A `ByteDuplex` over an open serialport (a real port or a pty). Reads are copied out of the
 * binding's buffer; writes honour backpressure by letting serialport queue them.
 */
export class SerialDuplex implements ByteDuplex {
  private closed = false

  private constructor(readonly port: SerialPort) {}

  static open(path: string, baudRate = 2_000_000): Promise<SerialDuplex> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, autoOpen: false })
      port.open((err) => (err ? reject(err) : resolve(new SerialDuplex(port))))
    })
  }

  write(bytes: Uint8Array): void {
    if (this.closed) return
    this.port.write(Buffer.from(bytes))
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.port.on('data', (b: Buffer) => listener(new Uint8Array(b)))
  }

  onClose(listener: (err?: Error) => void): void {
    this.port.on('close', (err?: Error | null) => listener(err ?? undefined))
    this.port.on('error', (err: Error) => listener(err))
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.port.isOpen) this.port.close()
  }
}

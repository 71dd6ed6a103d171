import { SerialTransport } from '../serial/transport.js'
import type { PortFactory } from '../serial/transport.js'
import type { SimEdvsOptions } from './device.js'
import { SimEdvsDevice } from './device.js'

export interface SimEdvsOnPath {
  readonly device: SimEdvsDevice
  readonly transport: SerialTransport
  /** Stops streaming and closes the port. */
  close(): Promise<void>
}

/**
 * Runs the simulated eDVS on a serial path, typically one end of a `socat` pty pair, so that the
 * app (or another process) can open the other end as if a sensor were plugged in. A pty has no line
 * rate, so the device paces itself (`baud`, default 4 Mbaud).
 */
export async function runSimEdvsOnPath(path: string, options: SimEdvsOptions & { portFactory?: PortFactory } = {}): Promise<SimEdvsOnPath> {
  const baud = options.baud ?? 4_000_000
  const transport = new SerialTransport({
    path,
    baudRate: baud > 0 ? baud : 4_000_000,
    rtscts: false, // a pty has no modem lines; a real UART would use hardware flow control
    reconnect: false,
    presenceIntervalMs: 0,
    portFactory: options.portFactory,
  })
  await transport.open()
  const device = new SimEdvsDevice(transport, { ...options, baud })
  return {
    device,
    transport,
    async close() {
      await device.close()
      await transport.close()
    },
  }
}

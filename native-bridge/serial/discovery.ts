import { SerialPort } from 'serialport'

/** What the OS reports about a serial port (subset of serialport's PortInfo). */
export interface SerialPortInfo {
  readonly path: string
  readonly manufacturer?: string
  readonly serialNumber?: string
  readonly vendorId?: string
  readonly productId?: string
}

/** Identifies a USB serial device independently of its path, which may change on replug. */
export interface PortMatch {
  readonly vendorId?: string
  readonly productId?: string
  readonly serialNumber?: string
}

export type PortLister = () => Promise<readonly SerialPortInfo[]>

export interface PortListing {
  readonly ports: readonly SerialPortInfo[]
  /** Set when listing failed (e.g. udevadm missing in a container); `ports` is then empty. */
  readonly error?: string
}

/** FTDI's USB vendor ID, used by eDVS boards (edvs-serial.md §1). */
export const FTDI_VENDOR_ID = '0403'

export const systemPortLister: PortLister = () => SerialPort.list()

/** Lists ports without ever throwing: on Linux `SerialPort.list()` shells out to udevadm. */
export async function listSerialPorts(lister: PortLister = systemPortLister): Promise<PortListing> {
  try {
    return { ports: await lister() }
  } catch (err) {
    return { ports: [], error: err instanceof Error ? err.message : String(err) }
  }
}

export function matchesPort(info: SerialPortInfo, match: PortMatch): boolean {
  const same = (a: string | undefined, b: string | undefined) => b === undefined || (a !== undefined && a.toLowerCase() === b.toLowerCase())
  return same(info.vendorId, match.vendorId) && same(info.productId, match.productId) && same(info.serialNumber, match.serialNumber)
}

/** The first listed port matching `match`, or undefined (also when listing failed). */
export async function findPort(match: PortMatch, lister: PortLister = systemPortLister): Promise<SerialPortInfo | undefined> {
  const { ports } = await listSerialPorts(lister)
  return ports.find((p) => matchesPort(p, match))
}

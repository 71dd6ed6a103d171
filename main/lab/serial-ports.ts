/**
 * Lists serial ports through serialport's native binding. On Linux that shells out to udevadm;
 * where udev is missing (containers), fall back to the device nodes udev would have listed.
 */
import { readdir } from 'node:fs/promises'
import type { PortInfo } from '../../common/contract/schemas.js'

const DEV_PATTERNS = [/^ttyUSB\d+$/, /^ttyACM\d+$/, /^ttyAMA\d+$/, /^rfcomm\d+$/, /^cu\..+/]

export async function listSerialPorts(): Promise<PortInfo[]> {
  try {
    const { SerialPort } = await import('serialport')
    const ports = await SerialPort.list()
    return ports.map((p) => ({
      path: p.path,
      manufacturer: p.manufacturer ?? null,
      vendorId: p.vendorId ?? null,
      productId: p.productId ?? null,
      serialNumber: p.serialNumber ?? null,
      pnpId: p.pnpId ?? null,
    }))
  } catch (err) {
    if (process.platform !== 'linux' && process.platform !== 'darwin') throw err
    const names = await readdir('/dev')
    return names
      .filter((n) => DEV_PATTERNS.some((re) => re.test(n)))
      .map((n) => ({ path: `/dev/${n}`, manufacturer: null, vendorId: null, productId: null, serialNumber: null, pnpId: null }))
  }
}

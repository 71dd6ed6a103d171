/**
 * Serial ports for the Devices view: what the operating system reports (native-bridge discovery),
 * and, where that fails because udev is missing (containers), the device nodes udev would list.
 */
import { readdir } from 'node:fs/promises'
import type { PortInfo } from '../../common/contract/schemas.js'
import { listSerialPorts as discoverPorts } from '../../native-bridge/serial/index.js'

const DEV_PATTERNS = [/^ttyUSB\d+$/, /^ttyACM\d+$/, /^ttyAMA\d+$/, /^rfcomm\d+$/, /^cu\..+/]

export async function listSerialPorts(): Promise<PortInfo[]> {
  const listing = await discoverPorts()
  if (!listing.error) {
    return listing.ports.map((p) => ({
      path: p.path,
      manufacturer: p.manufacturer ?? null,
      vendorId: p.vendorId ?? null,
      productId: p.productId ?? null,
      serialNumber: p.serialNumber ?? null,
      pnpId: null,
    }))
  }
  if (process.platform !== 'linux' && process.platform !== 'darwin') throw new Error(listing.error)
  const names = await readdir('/dev')
  return names
    .filter((n) => DEV_PATTERNS.some((re) => re.test(n)))
    .map((n) => ({ path: `/dev/${n}`, manufacturer: null, vendorId: null, productId: null, serialNumber: null, pnpId: null }))
}

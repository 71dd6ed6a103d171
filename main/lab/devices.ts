/**
 * Devices: the serial ports the operating system reports, and the built-in simulated sensor and
 * board, which are always present so the lab works with no hardware attached.
 */
import type { DeviceList, PortInfo, SimulatedDevice } from '../../common/contract/schemas.js'

export const SIMULATED_DEVICES: readonly SimulatedDevice[] = [
  {
    id: 'sim:edvs',
    kind: 'sensor',
    name: 'Simulated eDVS 128',
    description: 'Built-in eDVS sensor speaking the real serial byte format: synthetic scenes or a recording replayed.',
  },
  {
    id: 'sim:board',
    kind: 'board',
    name: 'Simulated board (RP1)',
    description: 'Built-in neuromorphic board implementing board link v1 and the reference device profile RP1.',
  },
]

export type PortLister = () => Promise<PortInfo[]>

export class DevicesService {
  private cached: DeviceList | null = null

  constructor(private readonly listPorts: PortLister, private readonly now: () => number = Date.now) {}

  /** The device list; `refresh` asks the operating system again instead of using the last answer. */
  async list(refresh = false): Promise<DeviceList> {
    if (this.cached && !refresh) return this.cached
    let ports: PortInfo[] = []
    let listError: string | null = null
    try {
      ports = (await this.listPorts()).sort((a, b) => a.path.localeCompare(b.path))
    } catch (err) {
      listError = `serial ports could not be listed: ${err instanceof Error ? err.message : String(err)}`
    }
    this.cached = { ports, simulated: [...SIMULATED_DEVICES], listError, listedAt: this.now() }
    return this.cached
  }
}

// Child-process entry: runs the simulated eDVS on a pty path with a known event sequence.
// Usage: node --import tsx sim-child.ts '{"path":"…","count":100000,"seed":1,"baud":0}'
import { runSimEdvsOnPath } from '../../../native-bridge/sim-edvs/run-on-path.js'
import { knownEvents } from './known-events.js'

interface ChildArgs {
  path: string
  count: number
  seed: number
  baud: number
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs
const sim = await runSimEdvsOnPath(args.path, { baud: args.baud, source: knownEvents(args.count, args.seed), resetDelayMs: 20 })
process.stdout.write('ready\n')
void sim.device.done.then(() => process.stdout.write(`done ${sim.device.stats.eventsSent}\n`))
process.on('SIGTERM', () => {
  void sim.close().then(() => process.exit(0))
})

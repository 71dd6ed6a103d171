/** LabApi 'training.*': runs (here or on a compute host), the methods on offer, compute hosts, and inspection of trained runs. */
import { trainingMethods } from '../../snn/index.js'
import type { AreaHandlers } from '../lab-server.js'
import type { ComputeHosts } from './compute-hosts.js'
import type { RemoteTraining } from './remote-training.js'
import { methodDefaults, type TrainingService } from './training-service.js'

export function trainingHandlers(training: TrainingService, remote: RemoteTraining, hosts: ComputeHosts): AreaHandlers<'training'> {
  return {
    'training.start': async ({ host, ...config }) => (host && host !== 'local' ? remote.start(config, await hosts.resolve(host)) : training.start(config)),
    'training.runs': async () => (await training.list()).map((run) => remote.current(run.id) ?? run),
    'training.methods': async () => trainingMethods().map(({ id, title, reference }) => ({ id, title, reference, defaults: methodDefaults(id) })),
    'training.inspect': async ({ runId, digits, sampleIndex }) => {
      remote.assertLocal(runId)
      return training.inspect(runId, digits ?? 500, sampleIndex ?? 0)
    },
    'training.hosts': async () => hosts.list(),
    'training.hosts.add': async (params) => hosts.add(params),
    'training.hosts.remove': async ({ name }) => ({ removed: await hosts.remove(name) }),
  }
}

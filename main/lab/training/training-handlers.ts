/** LabApi 'training.*': runs, the methods on offer, and inspection of trained runs. */
import { trainingMethods } from '../../snn/index.js'
import type { AreaHandlers } from '../lab-server.js'
import { methodDefaults, type TrainingService } from './training-service.js'

export function trainingHandlers(training: TrainingService): AreaHandlers<'training'> {
  return {
    'training.start': async (config) => training.start(config),
    'training.runs': async () => training.list(),
    'training.methods': async () => trainingMethods().map(({ id, title, reference }) => ({ id, title, reference, defaults: methodDefaults(id) })),
    'training.inspect': async ({ runId, digits, sampleIndex }) => training.inspect(runId, digits ?? 500, sampleIndex ?? 0),
  }
}

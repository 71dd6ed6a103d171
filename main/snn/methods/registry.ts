/**
 * Every training method the lab offers, by id. The training worker looks a run's method up here,
 * so adding a method is one module plus one line.
 */
import { SpikelabError } from '../../../common/errors.js'
import { bpttMethod } from './bptt.js'
import { coarseMethod } from './coarse.js'
import { ideMethod } from './ide.js'
import type { MethodId, TrainingMethod } from './run-types.js'
import { vdibMethod } from './vdib.js'

/**
 * Forgets a method's config type: the registry hands out configs it got from `configure`, which
 * validated them, so a method only ever receives its own kind.
 */
function erase<Config>(method: TrainingMethod<Config>): TrainingMethod<unknown> {
  return method as unknown as TrainingMethod<unknown>
}

const METHODS: ReadonlyMap<MethodId, TrainingMethod<unknown>> = new Map([
  ['bptt', erase(bpttMethod)],
  ['coarse', erase(coarseMethod)],
  ['ide', erase(ideMethod)],
  ['vdib', erase(vdibMethod)],
])

export function trainingMethods(): readonly TrainingMethod<unknown>[] {
  return [...METHODS.values()]
}

export function trainingMethod(id: string): TrainingMethod<unknown> {
  const method = METHODS.get(id as MethodId)
  if (!method) throw new SpikelabError('SNN_UNKNOWN_METHOD', `no training method '${id}' (known: ${[...METHODS.keys()].join(', ')})`, { field: 'method' })
  return method
}

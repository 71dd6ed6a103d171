/**
 * One schema per message that crosses the renderer ↔ main boundary (both shells use these), one file
 * per area under schemas/, merged here. Types are inferred from the schemas, so the contract cannot
 * drift from its validation.
 */
import type { z } from 'zod'
import { analysisRequests } from './schemas/analysis.js'
import { appEvents, appRequests } from './schemas/app.js'
import { boardEvents, boardRequests } from './schemas/board.js'
import { deployEvents, deployRequests } from './schemas/deploy.js'
import { recordingRequests } from './schemas/recordings.js'
import { sensorEvents, sensorRequests } from './schemas/sensor.js'
import { trainingEvents, trainingRequests } from './schemas/training.js'

export * from './schemas/analysis.js'
export * from './schemas/app.js'
export * from './schemas/board.js'
export * from './schemas/deploy.js'
export * from './schemas/recordings.js'
export * from './schemas/sensor.js'
export * from './schemas/training.js'

/** Request/response methods: params are validated on entry to the main side, results before they leave. */
export const requestSchemas = {
  ...appRequests,
  ...recordingRequests,
  ...sensorRequests,
  ...analysisRequests,
  ...trainingRequests,
  ...boardRequests,
  ...deployRequests,
} as const

/** Events the main side pushes to every connected renderer. */
export const eventSchemas = {
  ...appEvents,
  ...sensorEvents,
  ...trainingEvents,
  ...boardEvents,
  ...deployEvents,
} as const

export type RequestName = keyof typeof requestSchemas
export type RequestParams<M extends RequestName> = z.input<(typeof requestSchemas)[M]['params']>
export type ParsedParams<M extends RequestName> = z.output<(typeof requestSchemas)[M]['params']>
export type RequestResult<M extends RequestName> = z.output<(typeof requestSchemas)[M]['result']>
export type EventName = keyof typeof eventSchemas
export type EventData<E extends EventName> = z.output<(typeof eventSchemas)[E]>

export function isRequestName(name: string): name is RequestName {
  return Object.prototype.hasOwnProperty.call(requestSchemas, name)
}

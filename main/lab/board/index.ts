/**
 * The board area of the lab: the board session, running models on it, deploy jobs with history,
 * preview and evaluation, wired once and handed to `createLab` as handlers.
 */
import type { EventData, EventName, TrainingRun } from '../../../common/contract/schemas.js'
import type { JobRegistry } from '../jobs.js'
import type { SensorSession } from '../sensor/sensor-session.js'
import { BlobStore } from './blob-store.js'
import { boardHandlers } from './board-handlers.js'
import { BoardRunner } from './board-runner.js'
import { BoardSession, type BoardSessionOptions } from './board-session.js'
import { deployCompiler, deployEvaluationBackend } from './deploy-compiler.js'
import { deployHandlers } from './deploy-handlers.js'
import { DeployHistory } from './deploy-history.js'
import { DeployService } from './deploy-service.js'
import { EvaluationService } from './evaluation-service.js'

export { BoardSession, SIMULATED_BOARD_ID } from './board-session.js'
export type { BoardLinkOpener } from './board-session.js'
export { DeployHistory } from './deploy-history.js'
export { DeployService } from './deploy-service.js'
export { BlobStore, modelFacts } from './blob-store.js'
export { BoardRunner } from './board-runner.js'
export { demoBarPositionModel } from './demo-model.js'

export interface BoardServicesOptions {
  readonly labFolder: string
  readonly catalogFile: string
  readonly recordingsFolder: string
  readonly jobs: JobRegistry
  readonly sensor: SensorSession
  readonly listRuns: () => Promise<TrainingRun[]>
  readonly broadcast: <E extends EventName>(event: E, data: EventData<E>) => void
  readonly session?: Omit<BoardSessionOptions, 'labelsFor'>
}

export function createBoardServices(options: BoardServicesOptions) {
  const blobs = new BlobStore(options.labFolder)
  const history = new DeployHistory(options.catalogFile)
  history.markInterrupted()
  const session = new BoardSession((s) => options.broadcast('board.status', s), { ...options.session, labelsFor: (sha) => blobs.facts(sha)?.labels ?? null })
  const runner = new BoardRunner(session, options.sensor, blobs, options.recordingsFolder, (o) => options.broadcast('board.output', o))
  const deploy = new DeployService(options.labFolder, session, options.jobs, history, blobs, options.listRuns, {
    progress: (p) => options.broadcast('deploy.progress', p),
    pending: (p) => options.broadcast('deploy.pending', p),
    history: (row) => options.broadcast('deploy.history', row),
  })
  deploy.setCompiler(deployCompiler)
  const evaluation = new EvaluationService(options.jobs, session, deploy, runner)
  evaluation.setBackend(deployEvaluationBackend((ref) => deploy.sourceOf(ref)))
  return {
    session,
    runner,
    deploy,
    history,
    evaluation,
    blobs,
    handlers: { ...boardHandlers(session, runner), ...deployHandlers(deploy, history, evaluation) },
    dispose: async () => {
      await runner.stop().catch(() => undefined)
      session.close()
      history.close()
    },
  }
}

export type BoardServices = ReturnType<typeof createBoardServices>

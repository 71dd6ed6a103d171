/** LabApi 'deploy.*': models to deploy, compile report, deploy jobs, TEST/CONFIRM, history, evaluate. */
import type { AreaHandlers } from '../lab-server.js'
import type { DeployHistory } from './deploy-history.js'
import type { DeployService } from './deploy-service.js'
import type { EvaluationService } from './evaluation-service.js'

export function deployHandlers(deploy: DeployService, history: DeployHistory, evaluation: EvaluationService): AreaHandlers<'deploy'> {
  return {
    'deploy.models': async () => deploy.models(),
    'deploy.compile': async ({ ref }) => deploy.compile(ref),
    'deploy.preview': async ({ ref }) => ({ jobId: evaluation.preview(ref) }),
    'deploy.start': async ({ ref, confirm, confirmTimeoutS }) => ({ jobId: deploy.start(ref, { confirm, confirmTimeoutS }) }),
    'deploy.confirm': async () => deploy.confirm(),
    'deploy.revert': async () => deploy.revert(),
    'deploy.pending': async () => deploy.pending(),
    'deploy.history': async ({ boardId, limit }) => history.list(boardId, limit),
    'deploy.evaluate': async ({ ref }) => ({ jobId: evaluation.evaluate(ref) }),
    'deploy.evaluation': async ({ jobId }) => evaluation.result(jobId),
  }
}

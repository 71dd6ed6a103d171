/**
 * Host preview (RP1 emulator: float vs quantized accuracy) and "evaluate on board" as jobs. The
 * numbers come from main/deploy (`previewModel`, `evaluateOnBoard`); without it both say so.
 */
import { SpikelabError } from '../../../common/errors.js'
import type { EvaluateResult } from '../../../common/contract/schemas.js'
import type { BoardLinkClient } from '../../../native-bridge/board-link/index.js'
import type { JobContext, JobRegistry } from '../jobs.js'
import type { BoardRunner } from './board-runner.js'
import type { BoardSession } from './board-session.js'
import type { DeployService } from './deploy-service.js'

export interface EvaluationBackend {
  preview(ref: string, blob: Uint8Array, ctx: JobContext): Promise<EvaluateResult>
  evaluateOnBoard(ref: string, blob: Uint8Array, client: BoardLinkClient, ctx: JobContext): Promise<EvaluateResult>
}

const KEPT = 20

export class EvaluationService {
  private backend: EvaluationBackend | null = null
  private readonly results = new Map<string, EvaluateResult>()

  constructor(private readonly jobs: JobRegistry, private readonly session: BoardSession, private readonly deploy: DeployService, private readonly runner: BoardRunner) {}

  setBackend(backend: EvaluationBackend | null): void {
    this.backend = backend
  }

  preview(ref: string): string {
    const backend = this.requireBackend()
    return this.job('preview', `Preview ${ref}`, async (ctx) => backend.preview(ref, (await this.deploy.blobFor(ref)).blob, ctx))
  }

  evaluate(ref: string): string {
    const backend = this.requireBackend()
    const client = this.session.requireClient()
    return this.job('evaluate', `Evaluate ${ref} on the board`, async (ctx) => {
      await this.runner.stop() // a live run and the stepped evaluation runs cannot share the board
      return backend.evaluateOnBoard(ref, (await this.deploy.blobFor(ref)).blob, client, ctx)
    })
  }

  result(jobId: string): EvaluateResult | null {
    return this.results.get(jobId) ?? null
  }

  private job(kind: string, title: string, work: (ctx: JobContext) => Promise<EvaluateResult>): string {
    let jobId = ''
    const { id } = this.jobs.start(kind, title, async (ctx) => {
      await Promise.resolve()
      const result = await work(ctx)
      this.results.set(jobId, result)
      for (const old of [...this.results.keys()].slice(0, Math.max(0, this.results.size - KEPT))) this.results.delete(old)
      return result
    })
    jobId = id
    return id
  }

  private requireBackend(): EvaluationBackend {
    if (!this.backend) throw new SpikelabError('compiler-unavailable', 'preview and evaluation need the model compiler (main/deploy), which is not available in this build')
    return this.backend
  }
}

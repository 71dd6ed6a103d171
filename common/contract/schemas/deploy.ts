/** Deploying models to the board: the models to choose from, deploy jobs with progress, TEST/CONFIRM, history. */
import { z } from 'zod'
import { AbsolutePath, Empty, JobStarted } from './common.js'

/** A model the Deploy view can offer: the built-in demo, a training run, or a .blob/.nir file. */
export const DeployableModel = z.object({
  /** 'demo:<name>', 'run:<runId>' or 'file:<absolute path>'. */
  ref: z.string(),
  kind: z.enum(['demo', 'run', 'blob', 'nir']),
  name: z.string(),
  description: z.string(),
  /** Needs compiling before deploy (training runs, NIR graphs). */
  needsCompile: z.boolean(),
})
export type DeployableModel = z.infer<typeof DeployableModel>

const ModelRef = z
  .string()
  .min(1)
  .max(4200)
  .refine((r) => /^(demo|run):[\w.-]+$/.test(r) || (r.startsWith('file:') && AbsolutePath.safeParse(r.slice(5)).success), "must be 'demo:NAME', 'run:ID' or 'file:/absolute/path'")

/** The compile report (capacity against the connected board's CAPS, quantization). */
export const CompileReport = z.object({
  ref: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  layers: z.array(z.object({ neurons: z.number().int(), sources: z.number().int(), synapseBytes: z.number().int(), wShift: z.array(z.number().int()), saturated: z.number().int().nullable() })),
  neurons: z.number().int(),
  synapseBytes: z.number().int(),
  inputs: z.number().int(),
  outputs: z.number().int(),
  tickUs: z.number().int(),
  labels: z.array(z.string()),
  /** Capacity against the connected board (or RP1 when none): null = fits, else the board's error code and message. */
  capacity: z.object({ checkedAgainst: z.string(), fits: z.boolean(), code: z.string().nullable(), message: z.string().nullable() }),
  /** What the compiler reported (quantization, saturation), as lines for a person. */
  notes: z.array(z.string()),
})
export type CompileReport = z.infer<typeof CompileReport>

export const DeployProgress = z.object({
  jobId: z.string(),
  phase: z.enum(['checking', 'sending', 'committing', 'probation', 'waiting-for-link', 'done', 'failed']),
  bytesDone: z.number().int(),
  totalBytes: z.number().int(),
  bytesPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  /** Offset the board resumed from on the latest DEPLOY_BEGIN (0 = fresh). */
  resumedFrom: z.number().int(),
})
export type DeployProgress = z.infer<typeof DeployProgress>

export const DeployResult = z.enum(['running', 'confirmed', 'test', 'staged', 'reverted', 'failed', 'cancelled'])

export const DeployHistoryRow = z.object({
  id: z.number().int(),
  boardId: z.string(),
  boardSerial: z.string(),
  modelSha256: z.string(),
  modelName: z.string(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  result: DeployResult,
  bytesTotal: z.number().int(),
  /** Chunk bytes actually put on the wire (retransmissions included). */
  bytesSent: z.number().int(),
  resumedFrom: z.number().int(),
  modelSeq: z.number().int().nullable(),
  detail: z.string(),
})
export type DeployHistoryRow = z.infer<typeof DeployHistoryRow>

/** A TEST activation waiting for CONFIRM (the board reverts at `deadline`). */
export const PendingConfirm = z.object({ modelSha256: z.string(), modelSeq: z.number().int(), deadline: z.number(), historyId: z.number().int() })
export type PendingConfirm = z.infer<typeof PendingConfirm>

export const EvaluateResult = z.object({
  samples: z.number().int(),
  boardAccuracy: z.number().nullable(),
  previewAccuracy: z.number().nullable(),
  floatAccuracy: z.number().nullable(),
  detail: z.string(),
})
export type EvaluateResult = z.infer<typeof EvaluateResult>

export const deployRequests = {
  'deploy.models': { params: Empty, result: z.array(DeployableModel) },
  /** Builds (or reads) the blob and reports what it is and whether it fits the board. */
  'deploy.compile': { params: z.object({ ref: ModelRef }).strict(), result: CompileReport },
  /** Host RP1 preview: float vs quantized accuracy, firing rates (needs the compiler). */
  'deploy.preview': { params: z.object({ ref: ModelRef }).strict(), result: JobStarted },
  /**
   * Deploys to the connected board as a job: TEST activation, then CONFIRM at once ('auto'), or
   * wait for `deploy.confirm` ('manual'); the board reverts by itself after `confirmTimeoutS`.
   */
  'deploy.start': {
    params: z
      .object({
        ref: ModelRef,
        confirm: z.enum(['auto', 'manual']).optional(),
        confirmTimeoutS: z.number().int().min(1).max(3600).optional(),
      })
      .strict(),
    result: JobStarted,
  },
  'deploy.confirm': { params: Empty, result: z.object({ confirmed: z.boolean(), modelSeq: z.number().int() }) },
  /** Rolls a pending TEST activation back at once (ACTIVATE of the previous image). */
  'deploy.revert': { params: Empty, result: z.object({ reverted: z.boolean() }) },
  'deploy.pending': { params: Empty, result: PendingConfirm.nullable() },
  'deploy.history': { params: z.object({ boardId: z.string().max(64).optional(), limit: z.number().int().min(1).max(1000).optional() }).strict(), result: z.array(DeployHistoryRow) },
  /** Runs a labelled recording set through the board (needs the compiler's evaluateOnBoard). */
  'deploy.evaluate': { params: z.object({ ref: ModelRef }).strict(), result: JobStarted },
  'deploy.evaluation': { params: z.object({ jobId: z.string().min(1).max(64) }).strict(), result: EvaluateResult.nullable() },
} as const

export const deployEvents = {
  'deploy.progress': DeployProgress,
  'deploy.pending': PendingConfirm.nullable(),
  'deploy.history': DeployHistoryRow,
} as const

/**
 * The wire protocol shared by both shells (WebSocket text frames in the host, structured-clone IPC
 * in Electron): requests carry an id, responses echo it, events are pushed, and bulk data travels
 * in binary frames (see binary-frames.ts).
 */
import { z } from 'zod'

export const ClientRequest = z
  .object({
    type: z.literal('request'),
    id: z.number().int().nonnegative(),
    method: z.string().min(1).max(64),
    params: z.unknown(),
  })
  .strict()
export type ClientRequest = z.infer<typeof ClientRequest>
export type ClientMessage = ClientRequest

export interface SchemaIssue {
  /** Dotted path of the offending field, e.g. "params.refresh". */
  readonly path: string
  readonly message: string
}

export interface WireError {
  /** `schema` (message shape), `unknown-method`, `failed` (the service threw), `cancelled`. */
  readonly code: 'schema' | 'unknown-method' | 'failed' | 'cancelled' | 'unauthorized'
  readonly message: string
  readonly issues?: readonly SchemaIssue[]
  /** Error code of a SpikelabError raised by the service, when there was one. */
  readonly errorCode?: string
}

export type ServerMessage =
  | { readonly type: 'response'; readonly id: number | null; readonly result: unknown }
  | { readonly type: 'response'; readonly id: number | null; readonly error: WireError }
  | { readonly type: 'event'; readonly event: string; readonly data: unknown }

/** Turns zod issues into field-named issues, prefixing the path of the part that was validated. */
export function toSchemaIssues(error: z.ZodError, prefix: string[] = []): SchemaIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map(String)].join('.') || '(message)',
    message: issue.message,
  }))
}

export function describeIssues(issues: readonly SchemaIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ')
}

/** Schema pieces every area's contract uses. */
import { z } from 'zod'

export const Empty = z.object({}).strict()

export const AbsolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'must not contain NUL')
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), 'must be an absolute path')

/** The reply of every request that starts a long-running job. */
export const JobStarted = z.object({ jobId: z.string() })

export const nullableNumber = z.number().nullable()

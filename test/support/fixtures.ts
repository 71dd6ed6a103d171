import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (this file lives in test/support/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/**
 * Path of a shared fixture. Fixtures live beside the repository in ../shared/fixtures (never copied
 * into the product); SPIKELAB_FIXTURES overrides the folder.
 */
export function fixturePath(...parts: string[]): string {
  const root = process.env.SPIKELAB_FIXTURES ?? path.resolve(repoRoot, '../shared/fixtures')
  return path.join(root, ...parts)
}

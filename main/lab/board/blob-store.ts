/**
 * Deployed model blobs kept by content address (`<lab>/deploy/blobs/<sha256>.blob`), so the lab
 * knows the active model's labels, tick and input map from the hash the board reports in CAPS.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { decodeModelBlob, sha256, toHex } from '../../../native-bridge/engine/index.js'
import type { InputMap } from '../../../native-bridge/engine/index.js'

export interface ModelFacts {
  readonly sha256: string
  readonly tickUs: number
  readonly nOutputs: number
  readonly labels: string[]
  readonly inputMap: InputMap
  readonly name: string | null
}

/** Output labels and a name from the blob's METADATA JSON (`labels` or `outputLabels`, `name`). */
export function modelFacts(blob: Uint8Array): ModelFacts {
  const { model } = decodeModelBlob(blob)
  let labels: string[] = []
  let name: string | null = null
  if (model.metadata) {
    try {
      const meta = JSON.parse(model.metadata) as { labels?: unknown; outputLabels?: unknown; name?: unknown }
      const raw = Array.isArray(meta.labels) ? meta.labels : Array.isArray(meta.outputLabels) ? meta.outputLabels : []
      labels = raw.map((l) => String(l))
      if (typeof meta.name === 'string') name = meta.name
    } catch {
      // METADATA is for people; a blob without readable JSON still deploys and runs.
    }
  }
  const n = model.outputMap.length
  if (labels.length !== n) labels = Array.from({ length: n }, (_, i) => labels[i] ?? `output ${i}`)
  return { sha256: toHex(sha256(blob)), tickUs: model.tickUs, nOutputs: n, labels, inputMap: model.inputMap, name }
}

export class BlobStore {
  private readonly folder: string
  private readonly cache = new Map<string, ModelFacts>()

  constructor(labFolder: string) {
    this.folder = path.join(labFolder, 'deploy', 'blobs')
  }

  /** Stores the blob under its hash (temporary name + rename) and returns its facts. */
  put(blob: Uint8Array): ModelFacts {
    const facts = modelFacts(blob)
    const file = path.join(this.folder, `${facts.sha256}.blob`)
    if (!existsSync(file)) {
      mkdirSync(this.folder, { recursive: true })
      const tmp = `${file}.tmp-${process.pid}`
      writeFileSync(tmp, blob)
      renameSync(tmp, file)
    }
    this.cache.set(facts.sha256, facts)
    return facts
  }

  facts(sha: string): ModelFacts | null {
    const hit = this.cache.get(sha)
    if (hit) return hit
    const file = path.join(this.folder, `${sha}.blob`)
    if (!/^[0-9a-f]{64}$/.test(sha) || !existsSync(file)) return null
    try {
      const facts = modelFacts(new Uint8Array(readFileSync(file)))
      this.cache.set(sha, facts)
      return facts
    } catch {
      return null
    }
  }
}

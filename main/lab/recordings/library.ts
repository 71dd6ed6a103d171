/**
 * The recording library's operations: import files or folders (in place, or by copy into the lab
 * folder), and re-scan to notice recordings that were moved, changed or deleted.
 */
import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { CancelledError, SpikelabError } from '../../../common/errors.js'
import { detectEventFormat } from '../../events/index.js'
import type { RecordingCatalog, RecordingEntry } from './catalog.js'
import { fingerprintFile } from './fingerprint.js'
import { SeekIndexStore } from './seek-index-store.js'
import { summarizeEventFile } from './summarize.js'

export interface ImportOptions {
  /** Copy into `<lab>/recordings/` instead of indexing the file where it is. */
  readonly copy?: boolean
  readonly signal?: AbortSignal
  /** Progress: files done of files found, and the file being read. */
  readonly onProgress?: (done: number, total: number, current: string) => void
}

export interface ImportReport {
  readonly imported: RecordingEntry[]
  readonly skipped: Array<{ path: string; reason: string }>
}

export interface RescanReport {
  checked: number
  readonly moved: Array<{ from: string; to: string }>
  readonly missing: string[]
  readonly changed: string[]
  readonly reappeared: string[]
}

const SNIFF_BYTES = 1 << 16

export class RecordingLibrary {
  readonly recordingsFolder: string
  /** Sparse seek indexes of the recordings that have no index of their own. */
  readonly seekIndexes: SeekIndexStore

  constructor(private readonly labFolder: string, readonly catalog: RecordingCatalog) {
    this.recordingsFolder = path.join(labFolder, 'recordings')
    this.seekIndexes = new SeekIndexStore(path.join(labFolder, 'seek-index'))
  }

  /** Imports every event file among `paths` (folders are walked); other files are skipped with a reason. */
  async importPaths(paths: readonly string[], options: ImportOptions = {}): Promise<ImportReport> {
    const files: string[] = []
    const skipped: ImportReport['skipped'] = []
    for (const p of paths) await collectFiles(path.resolve(p), files, skipped)
    const imported: RecordingEntry[] = []
    for (const [i, file] of files.entries()) {
      if (options.signal?.aborted) throw new CancelledError()
      options.onProgress?.(i, files.length, file)
      const format = await sniffFormat(file)
      if (!format) {
        skipped.push({ path: file, reason: 'not an event file Spikelab can read' })
        continue
      }
      try {
        imported.push(await this.importFile(file, options))
      } catch (err) {
        if (err instanceof CancelledError) throw err
        skipped.push({ path: file, reason: err instanceof Error ? err.message : String(err) })
      }
    }
    options.onProgress?.(files.length, files.length, '')
    return { imported, skipped }
  }

  /** Imports one event file; throws a SpikelabError naming the file when it cannot be read. */
  async importFile(file: string, options: ImportOptions = {}): Promise<RecordingEntry> {
    const source = path.resolve(file)
    const target = options.copy ? await this.copyIntoLab(source) : source
    const { summary, thumbnail, seekIndex } = await summarizeEventFile(target, { signal: options.signal })
    const info = await stat(target)
    const fingerprint = await fingerprintFile(target)
    if (seekIndex) await this.seekIndexes.save(fingerprint, seekIndex)
    return this.catalog.upsert(target, summary, { sizeBytes: info.size, modifiedAt: Math.round(info.mtimeMs), fingerprint }, thumbnail)
  }

  /**
   * Checks every catalogued file: a vanished file is looked for (same fingerprint) in the lab folder
   * and beside its old place; changed files are re-read; files that came back are shown again.
   */
  async rescan(signal?: AbortSignal): Promise<RescanReport> {
    const report: RescanReport = { checked: 0, moved: [], missing: [], changed: [], reappeared: [] }
    let candidates: Map<number, string[]> | null = null
    for (const entry of this.catalog.list({ includeMissing: true })) {
      if (signal?.aborted) throw new CancelledError()
      report.checked++
      const info = await stat(entry.path).catch(() => null)
      if (info?.isFile()) {
        if (entry.missing) {
          this.catalog.setMissing(entry.id, false)
          report.reappeared.push(entry.path)
        }
        if (info.size !== entry.sizeBytes || Math.round(info.mtimeMs) !== entry.modifiedAt) {
          await this.importFile(entry.path, { signal })
          report.changed.push(entry.path)
        }
        continue
      }
      candidates ??= await this.filesBySize([this.labFolder, path.dirname(entry.path)])
      const movedTo = await findByFingerprint(candidates.get(entry.sizeBytes) ?? [], entry.fingerprint, this.catalog)
      if (movedTo) {
        this.catalog.setPath(entry.id, movedTo)
        report.moved.push({ from: entry.path, to: movedTo })
      } else if (!entry.missing) {
        this.catalog.setMissing(entry.id, true)
        report.missing.push(entry.path)
      }
    }
    return report
  }

  private async copyIntoLab(source: string): Promise<string> {
    await mkdir(this.recordingsFolder, { recursive: true })
    const ext = path.extname(source)
    const base = path.basename(source, ext)
    const sourceFingerprint = await fingerprintFile(source)
    for (let n = 1; ; n++) {
      const target = path.join(this.recordingsFolder, n === 1 ? `${base}${ext}` : `${base} (${n})${ext}`)
      const existing = await stat(target).catch(() => null)
      if (existing) {
        if (existing.isFile() && (await fingerprintFile(target)) === sourceFingerprint) return target
        continue
      }
      // Copy under a temporary name and rename: the library never holds a half-copied file.
      const partial = `${target}.partial`
      try {
        await copyFile(source, partial)
        await rename(partial, target)
      } catch (err) {
        await rm(partial, { force: true })
        throw new SpikelabError('import-copy-failed', `could not copy into the lab folder: ${(err as Error).message}`, { file: source })
      }
      return target
    }
  }

  private async filesBySize(roots: readonly string[]): Promise<Map<number, string[]>> {
    const files: string[] = []
    for (const root of new Set(roots)) await collectFiles(root, files, [])
    const bySize = new Map<number, string[]>()
    for (const file of new Set(files)) {
      const info = await stat(file).catch(() => null)
      if (!info) continue
      const list = bySize.get(info.size) ?? []
      list.push(file)
      bySize.set(info.size, list)
    }
    return bySize
  }
}

async function findByFingerprint(files: readonly string[], fingerprint: string, catalog: RecordingCatalog): Promise<string | null> {
  for (const file of files) {
    if (catalog.byPath(file)) continue // already catalogued under its own path
    if ((await fingerprintFile(file).catch(() => null)) === fingerprint) return file
  }
  return null
}

async function collectFiles(p: string, out: string[], skipped: ImportReport['skipped']): Promise<void> {
  const info = await stat(p).catch(() => null)
  if (!info) {
    skipped.push({ path: p, reason: 'no such file or folder' })
    return
  }
  if (info.isFile()) {
    if (!p.endsWith('.partial')) out.push(p)
    return
  }
  if (!info.isDirectory()) return
  const entries = await readdir(p, { withFileTypes: true }).catch(() => [])
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue
    await collectFiles(path.join(p, e.name), out, skipped)
  }
}

async function sniffFormat(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r').catch(() => null)
  if (!handle) return undefined
  try {
    const head = new Uint8Array(SNIFF_BYTES)
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0)
    return detectEventFormat(head.subarray(0, bytesRead), path.basename(file))
  } finally {
    await handle.close()
  }
}

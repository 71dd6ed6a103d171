/**
 * Sparse seek indexes kept beside the catalog, one JSON file per recording, named by the file's
 * fingerprint so an index survives the recording being moved or renamed. An index is used only
 * while the file still has the size and modification time it was built from.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { buildSeekIndex, parseSeekIndex, seekIndexMatches, type SeekIndex } from '../../events/index.js'

export class SeekIndexStore {
  private readonly pending = new Map<string, Promise<SeekIndex>>()

  constructor(private readonly folder: string) {}

  async save(fingerprint: string, index: SeekIndex): Promise<void> {
    await mkdir(this.folder, { recursive: true })
    const file = this.fileOf(fingerprint)
    const temp = `${file}.${process.pid}.tmp`
    await writeFile(temp, JSON.stringify(index))
    await rename(temp, file)
  }

  async load(fingerprint: string): Promise<SeekIndex | null> {
    const text = await readFile(this.fileOf(fingerprint), 'utf8').catch(() => null)
    if (text === null) return null
    try {
      return parseSeekIndex(JSON.parse(text))
    } catch {
      return null
    }
  }

  async remove(fingerprint: string): Promise<void> {
    await rm(this.fileOf(fingerprint), { force: true })
  }

  /** The stored index when it still fits the file; otherwise one built now (one full read) and stored. */
  async forFile(file: string, fingerprint: string): Promise<SeekIndex> {
    const stored = await this.load(fingerprint)
    if (stored && (await seekIndexMatches(file, stored))) return stored
    let building = this.pending.get(fingerprint)
    if (!building) {
      building = buildSeekIndex(file).then(async (index) => {
        await this.save(fingerprint, index)
        return index
      })
      building.finally(() => this.pending.delete(fingerprint)).catch(() => undefined)
      this.pending.set(fingerprint, building)
    }
    return building
  }

  private fileOf(fingerprint: string): string {
    if (!/^[0-9a-f]{16,128}$/.test(fingerprint)) throw new Error(`not a fingerprint: ${fingerprint}`)
    return path.join(this.folder, `${fingerprint}.json`)
  }
}

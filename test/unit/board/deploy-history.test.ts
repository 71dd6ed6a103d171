import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DeployHistory } from '../../../main/lab/board/deploy-history.js'
import { RecordingCatalog } from '../../../main/lab/recordings/catalog.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDb(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-history-'))
  dirs.push(dir)
  return path.join(dir, 'catalog.sqlite')
}

describe('deploy history in the catalog file', () => {
  it('shares the recordings catalog file without touching its schema version', () => {
    const file = tempDb()
    const catalog = new RecordingCatalog(file)
    let t = 1000
    const history = new DeployHistory(file, () => t)
    const row = history.begin({ boardId: 'b1', boardSerial: 'S1', modelSha256: 'aa'.repeat(32), modelName: 'demo', bytesTotal: 2080 })
    expect(row).toMatchObject({ result: 'running', startedAt: 1000, endedAt: null, bytesSent: 0 })
    t = 1500
    const test = history.update(row.id, { result: 'test', bytesSent: 2080, modelSeq: 3, ended: false, detail: 'TEST' })
    expect(test).toMatchObject({ result: 'test', bytesSent: 2080, modelSeq: 3, endedAt: null })
    t = 2000
    const reverted = history.update(row.id, { result: 'reverted', detail: 'CONFIRM_TIMEOUT' })
    // Fields not given keep their values.
    expect(reverted).toMatchObject({ result: 'reverted', bytesSent: 2080, modelSeq: 3, endedAt: 2000, detail: 'CONFIRM_TIMEOUT' })
    // The catalog still works on the same file (its migrations are by user_version, ours by IF NOT EXISTS).
    expect(catalog.list()).toEqual([])
    history.close()
    catalog.close()
    const reopened = new DeployHistory(file)
    expect(reopened.list()).toEqual([reverted])
    reopened.close()
  })

  it('lists newest first, per board, and marks rows a stopped lab left running as failed', () => {
    const file = tempDb()
    let t = 0
    const h = new DeployHistory(file, () => ++t)
    const a = h.begin({ boardId: 'b1', boardSerial: 'S1', modelSha256: '01'.repeat(32), modelName: 'a', bytesTotal: 10 })
    const b = h.begin({ boardId: 'b2', boardSerial: 'S2', modelSha256: '02'.repeat(32), modelName: 'b', bytesTotal: 20 })
    const c = h.begin({ boardId: 'b1', boardSerial: 'S1', modelSha256: '03'.repeat(32), modelName: 'c', bytesTotal: 30 })
    h.update(a.id, { result: 'confirmed', bytesSent: 10 })
    expect(h.list().map((r) => r.id)).toEqual([c.id, b.id, a.id])
    expect(h.list('b1').map((r) => r.id)).toEqual([c.id, a.id])
    expect(h.list(undefined, 1).map((r) => r.id)).toEqual([c.id])
    h.markInterrupted()
    expect(h.list().map((r) => r.result)).toEqual(['failed', 'failed', 'confirmed'])
    expect(h.list()[0].detail).toMatch(/interrupted/)
    h.close()
  })
})

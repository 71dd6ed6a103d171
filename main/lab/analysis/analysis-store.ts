/**
 * Classification results and recently analysed spike files, kept in the lab's SQLite catalog
 * (`<lab>/catalog.sqlite`). This is a second connection to the file RecordingCatalog opens (WAL, so
 * both read and write without blocking each other); its tables are created here with IF NOT EXISTS and
 * never touch the catalog's own migrations (user_version).
 */
import Database from 'better-sqlite3'
import type { ClassificationView, RecentSpikeFile, StoredClassification } from '../../../common/contract/schemas.js'

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS analysis_results (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    cells INTEGER NOT NULL,
    k INTEGER NOT NULL,
    word_bins INTEGER NOT NULL,
    bin_ms REAL NOT NULL,
    information_pt REAL NOT NULL,
    -- parameters, information curve, merges, membership and the map: the whole view as JSON
    view TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS analysis_results_fingerprint ON analysis_results(fingerprint);
  CREATE TABLE IF NOT EXISTS analysis_files (
    path TEXT PRIMARY KEY,
    source_format TEXT NOT NULL,
    units INTEGER NOT NULL,
    trials INTEGER NOT NULL,
    spikes INTEGER NOT NULL,
    opened_at INTEGER NOT NULL
  );`

interface ResultRow {
  id: number
  path: string
  fingerprint: string
  created_at: number
  cells: number
  k: number
  word_bins: number
  bin_ms: number
  information_pt: number
}

export type NewClassification = Omit<ClassificationView, 'id' | 'createdAt'>

export class AnalysisStore {
  private readonly db: Database.Database

  constructor(file: string, private readonly now: () => number = Date.now) {
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('busy_timeout = 5000')
    this.db.exec(SCHEMA)
  }

  save(view: NewClassification): ClassificationView {
    const createdAt = this.now()
    const info = this.db
      .prepare(
        `INSERT INTO analysis_results (path, fingerprint, created_at, cells, k, word_bins, bin_ms, information_pt, view)
         VALUES (@path, @fingerprint, @createdAt, @cells, @k, @wordBins, @binMs, @informationPt, @view)`,
      )
      .run({ path: view.path, fingerprint: view.fingerprint, createdAt, cells: view.cells, k: view.k, wordBins: view.wordBins, binMs: view.binMs, informationPt: view.informationPt, view: JSON.stringify(view) })
    return { ...view, id: Number(info.lastInsertRowid), createdAt }
  }

  load(id: number): ClassificationView | null {
    const row = this.db.prepare('SELECT id, created_at, view FROM analysis_results WHERE id = ?').get(id) as { id: number; created_at: number; view: string } | undefined
    if (!row) return null
    return { ...(JSON.parse(row.view) as NewClassification), id: row.id, createdAt: row.created_at }
  }

  list(limit = 100): StoredClassification[] {
    const rows = this.db
      .prepare('SELECT id, path, fingerprint, created_at, cells, k, word_bins, bin_ms, information_pt FROM analysis_results ORDER BY created_at DESC, id DESC LIMIT ?')
      .all(limit) as ResultRow[]
    return rows.map((r) => ({ id: r.id, path: r.path, fingerprint: r.fingerprint, createdAt: r.created_at, cells: r.cells, k: r.k, wordBins: r.word_bins, binMs: r.bin_ms, informationPt: r.information_pt }))
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM analysis_results WHERE id = ?').run(id).changes > 0
  }

  noteOpened(file: Omit<RecentSpikeFile, 'openedAt'>): void {
    this.db
      .prepare(
        `INSERT INTO analysis_files (path, source_format, units, trials, spikes, opened_at) VALUES (@path, @sourceFormat, @units, @trials, @spikes, @openedAt)
         ON CONFLICT(path) DO UPDATE SET source_format = excluded.source_format, units = excluded.units, trials = excluded.trials,
           spikes = excluded.spikes, opened_at = excluded.opened_at`,
      )
      .run({ ...file, openedAt: this.now() })
  }

  recentFiles(limit = 20): RecentSpikeFile[] {
    const rows = this.db.prepare('SELECT path, source_format, units, trials, spikes, opened_at FROM analysis_files ORDER BY opened_at DESC LIMIT ?').all(limit) as {
      path: string
      source_format: string
      units: number
      trials: number
      spikes: number
      opened_at: number
    }[]
    return rows.map((r) => ({ path: r.path, sourceFormat: r.source_format, units: r.units, trials: r.trials, spikes: r.spikes, openedAt: r.opened_at }))
  }

  close(): void {
    this.db.close()
  }
}

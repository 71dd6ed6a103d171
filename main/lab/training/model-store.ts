/**
 * Trained models in the lab's SQLite catalog (`<lab>/catalog.sqlite`, table `models`): one row per
 * training run with what a person compares runs by — method, state, data hash, backend, epochs done,
 * final metrics — and the whole run record. The weights stay in the run's folder (weights.bin), which
 * the row names. Runs saved before the table existed are read from their run.json once and added.
 */
import Database from 'better-sqlite3'
import type { TrainingRun } from '../../../common/contract/schemas.js'

export interface CheckpointRecord {
  readonly epoch: number
  readonly batch: number
  readonly metrics: Readonly<Record<string, number>>
  readonly backend: string
  readonly dataHash: string
}

export interface ModelRow {
  readonly run: TrainingRun
  readonly checkpoint: CheckpointRecord | null
}

export class ModelStore {
  private readonly db: Database.Database

  constructor(file: string) {
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('busy_timeout = 5000')
    this.db.exec(`CREATE TABLE IF NOT EXISTS models (
      run_id TEXT PRIMARY KEY,
      method TEXT NOT NULL,
      state TEXT NOT NULL,
      data_hash TEXT,
      backend TEXT,
      epochs_done INTEGER NOT NULL DEFAULT 0,
      test_accuracy REAL,
      folder TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      ended_at INTEGER,
      run_json TEXT NOT NULL,
      checkpoint_json TEXT
    )`)
  }

  /** Inserts or replaces a run's row; the checkpoint record is kept when none is given. */
  save(run: TrainingRun, checkpoint?: CheckpointRecord): void {
    const last = run.history.at(-1)
    this.db
      .prepare(
        `INSERT INTO models (run_id, method, state, data_hash, backend, epochs_done, test_accuracy, folder, started_at, ended_at, run_json, checkpoint_json)
         VALUES (@id, @method, @state, @dataHash, @backend, @epochs, @testAccuracy, @folder, @startedAt, @endedAt, @run, @checkpoint)
         ON CONFLICT(run_id) DO UPDATE SET method = excluded.method, state = excluded.state, data_hash = excluded.data_hash,
           backend = excluded.backend, epochs_done = excluded.epochs_done, test_accuracy = excluded.test_accuracy,
           folder = excluded.folder, ended_at = excluded.ended_at, run_json = excluded.run_json,
           checkpoint_json = COALESCE(excluded.checkpoint_json, models.checkpoint_json)`,
      )
      .run({
        id: run.id, method: run.method, state: run.state, dataHash: run.dataHash, backend: run.backend,
        epochs: run.history.length, testAccuracy: last?.testAccuracy ?? null, folder: run.folder,
        startedAt: run.startedAt, endedAt: run.endedAt, run: JSON.stringify(run),
        checkpoint: checkpoint ? JSON.stringify(checkpoint) : null,
      })
  }

  get(runId: string): ModelRow | null {
    const row = this.db.prepare('SELECT run_json, checkpoint_json FROM models WHERE run_id = ?').get(runId) as { run_json: string; checkpoint_json: string | null } | undefined
    return row ? { run: JSON.parse(row.run_json) as TrainingRun, checkpoint: row.checkpoint_json ? (JSON.parse(row.checkpoint_json) as CheckpointRecord) : null } : null
  }

  has(runId: string): boolean {
    return this.db.prepare('SELECT 1 FROM models WHERE run_id = ?').get(runId) !== undefined
  }

  /** Every run, oldest first; `method` narrows to one method. */
  list(method?: string): ModelRow[] {
    const rows = (method
      ? this.db.prepare('SELECT run_json, checkpoint_json FROM models WHERE method = ? ORDER BY started_at').all(method)
      : this.db.prepare('SELECT run_json, checkpoint_json FROM models ORDER BY started_at').all()) as Array<{ run_json: string; checkpoint_json: string | null }>
    return rows.map((r) => ({ run: JSON.parse(r.run_json) as TrainingRun, checkpoint: r.checkpoint_json ? (JSON.parse(r.checkpoint_json) as CheckpointRecord) : null }))
  }

  remove(runId: string): boolean {
    return this.db.prepare('DELETE FROM models WHERE run_id = ?').run(runId).changes > 0
  }

  close(): void {
    this.db.close()
  }
}

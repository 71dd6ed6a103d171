/**
 * Deployments per board, in the lab's SQLite catalog file (its own table, its own connection; the
 * recordings catalog keeps `user_version` for its migrations, so this table is created with
 * IF NOT EXISTS and versioned in `board_schema`).
 */
import Database from 'better-sqlite3'
import type { DeployHistoryRow } from '../../../common/contract/schemas.js'

type Result = DeployHistoryRow['result']

const SCHEMA_VERSION = 1
const CREATE = `
  CREATE TABLE IF NOT EXISTS board_schema (version INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS board_deployments (
    id INTEGER PRIMARY KEY,
    board_id TEXT NOT NULL,
    board_serial TEXT NOT NULL,
    model_sha256 TEXT NOT NULL,
    model_name TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    result TEXT NOT NULL,
    bytes_total INTEGER NOT NULL,
    bytes_sent INTEGER NOT NULL DEFAULT 0,
    resumed_from INTEGER NOT NULL DEFAULT 0,
    model_seq INTEGER,
    detail TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX IF NOT EXISTS board_deployments_board ON board_deployments(board_id, started_at);`

interface Row {
  id: number
  board_id: string
  board_serial: string
  model_sha256: string
  model_name: string
  started_at: number
  ended_at: number | null
  result: Result
  bytes_total: number
  bytes_sent: number
  resumed_from: number
  model_seq: number | null
  detail: string
}

export class DeployHistory {
  private readonly db: Database.Database

  constructor(file: string, private readonly now: () => number = Date.now) {
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('busy_timeout = 5000')
    this.db.transaction(() => {
      this.db.exec(CREATE)
      if (!this.db.prepare('SELECT version FROM board_schema').get()) this.db.prepare('INSERT INTO board_schema (version) VALUES (?)').run(SCHEMA_VERSION)
    })()
  }

  begin(entry: { boardId: string; boardSerial: string; modelSha256: string; modelName: string; bytesTotal: number }): DeployHistoryRow {
    const info = this.db
      .prepare(
        `INSERT INTO board_deployments (board_id, board_serial, model_sha256, model_name, started_at, result, bytes_total)
         VALUES (@boardId, @boardSerial, @modelSha256, @modelName, @startedAt, 'running', @bytesTotal)`,
      )
      .run({ ...entry, startedAt: this.now() })
    return this.get(Number(info.lastInsertRowid))!
  }

  /** Records the outcome; `ended` false keeps the row open (a TEST activation waiting for CONFIRM). */
  update(id: number, change: { result: Result; bytesSent?: number; resumedFrom?: number; modelSeq?: number | null; detail?: string; ended?: boolean }): DeployHistoryRow {
    this.db
      .prepare(
        `UPDATE board_deployments SET result = @result, bytes_sent = COALESCE(@bytesSent, bytes_sent),
           resumed_from = COALESCE(@resumedFrom, resumed_from), model_seq = COALESCE(@modelSeq, model_seq),
           detail = COALESCE(@detail, detail), ended_at = CASE WHEN @ended THEN @now ELSE ended_at END
         WHERE id = @id`,
      )
      .run({
        id, result: change.result, bytesSent: change.bytesSent ?? null, resumedFrom: change.resumedFrom ?? null, modelSeq: change.modelSeq ?? null,
        detail: change.detail ?? null, ended: change.ended === false ? 0 : 1, now: this.now(),
      })
    return this.get(id)!
  }

  get(id: number): DeployHistoryRow | null {
    const row = this.db.prepare('SELECT * FROM board_deployments WHERE id = ?').get(id) as Row | undefined
    return row ? toRow(row) : null
  }

  /** Newest first. */
  list(boardId?: string, limit = 200): DeployHistoryRow[] {
    const rows = boardId
      ? (this.db.prepare('SELECT * FROM board_deployments WHERE board_id = ? ORDER BY started_at DESC, id DESC LIMIT ?').all(boardId, limit) as Row[])
      : (this.db.prepare('SELECT * FROM board_deployments ORDER BY started_at DESC, id DESC LIMIT ?').all(limit) as Row[])
    return rows.map(toRow)
  }

  /** Rows still 'running' belong to a lab that stopped mid-deploy: they were interrupted. */
  markInterrupted(): void {
    this.db.prepare(`UPDATE board_deployments SET result = 'failed', detail = 'interrupted: the lab stopped during the deploy', ended_at = ? WHERE result = 'running'`).run(this.now())
  }

  close(): void {
    this.db.close()
  }
}

function toRow(r: Row): DeployHistoryRow {
  return {
    id: r.id, boardId: r.board_id, boardSerial: r.board_serial, modelSha256: r.model_sha256, modelName: r.model_name, startedAt: r.started_at,
    endedAt: r.ended_at, result: r.result, bytesTotal: r.bytes_total, bytesSent: r.bytes_sent, resumedFrom: r.resumed_from, modelSeq: r.model_seq, detail: r.detail,
  }
}

/**
 * The recording library: a SQLite catalog (better-sqlite3, WAL) in the lab folder. It indexes
 * recordings where they are (or copies imported into the lab folder), with what a person searches
 * by: format, sensor, resolution, duration, event and ON/OFF counts, first timestamp, tags, notes,
 * and a thumbnail. Files are never modified by the catalog.
 */
import Database from 'better-sqlite3'
import { SpikelabError } from '../../../common/errors.js'

export interface RecordingSummary {
  readonly format: string
  readonly sensor: string | null
  readonly width: number | null
  readonly height: number | null
  readonly eventCount: number
  readonly onCount: number
  readonly offCount: number
  /** First and last event timestamps in the sensor's own time base (µs); null for an empty file. */
  readonly firstTimestampUs: number | null
  readonly lastTimestampUs: number | null
}

export interface RecordingFileFacts {
  readonly sizeBytes: number
  /** File modification time, ms since the epoch. */
  readonly modifiedAt: number
  readonly fingerprint: string
}

export interface RecordingEntry extends RecordingSummary, RecordingFileFacts {
  readonly id: number
  readonly path: string
  readonly durationUs: number
  readonly addedAt: number
  readonly tags: string[]
  readonly notes: string
  /** The file was not found at its path on the last re-scan. */
  readonly missing: boolean
  readonly hasThumbnail: boolean
}

export const SORT_FIELDS = ['addedAt', 'path', 'format', 'durationUs', 'eventCount', 'modifiedAt', 'sizeBytes'] as const
export type SortField = (typeof SORT_FIELDS)[number]

export interface RecordingQuery {
  /** Words that must each appear in the path, sensor, format, notes or a tag (case-insensitive). */
  readonly text?: string
  readonly format?: string
  readonly sensor?: string
  readonly tag?: string
  readonly minDurationUs?: number
  readonly maxDurationUs?: number
  readonly minEvents?: number
  readonly includeMissing?: boolean
  readonly sortBy?: SortField
  readonly descending?: boolean
  readonly limit?: number
  readonly offset?: number
}

const SORT_COLUMNS: Record<SortField, string> = {
  addedAt: 'added_at',
  path: 'path',
  format: 'format',
  durationUs: 'duration_us',
  eventCount: 'event_count',
  modifiedAt: 'modified_at',
  sizeBytes: 'size_bytes',
}

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE recordings (
     id INTEGER PRIMARY KEY,
     path TEXT NOT NULL UNIQUE,
     format TEXT NOT NULL,
     sensor TEXT,
     width INTEGER,
     height INTEGER,
     event_count INTEGER NOT NULL,
     on_count INTEGER NOT NULL,
     off_count INTEGER NOT NULL,
     first_timestamp_us REAL,
     last_timestamp_us REAL,
     duration_us REAL NOT NULL,
     size_bytes INTEGER NOT NULL,
     modified_at INTEGER NOT NULL,
     fingerprint TEXT NOT NULL,
     added_at INTEGER NOT NULL,
     notes TEXT NOT NULL DEFAULT '',
     missing INTEGER NOT NULL DEFAULT 0,
     thumbnail BLOB
   );
   CREATE TABLE recording_tags (
     recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
     tag TEXT NOT NULL,
     PRIMARY KEY (recording_id, tag)
   );
   CREATE INDEX recordings_fingerprint ON recordings(fingerprint);
   CREATE INDEX recording_tags_tag ON recording_tags(tag);`,
]

interface Row {
  id: number
  path: string
  format: string
  sensor: string | null
  width: number | null
  height: number | null
  event_count: number
  on_count: number
  off_count: number
  first_timestamp_us: number | null
  last_timestamp_us: number | null
  duration_us: number
  size_bytes: number
  modified_at: number
  fingerprint: string
  added_at: number
  notes: string
  missing: number
  has_thumbnail: number
  tags: string | null
}

const SELECT = `SELECT r.id, r.path, r.format, r.sensor, r.width, r.height, r.event_count, r.on_count, r.off_count,
  r.first_timestamp_us, r.last_timestamp_us, r.duration_us, r.size_bytes, r.modified_at, r.fingerprint, r.added_at,
  r.notes, r.missing, r.thumbnail IS NOT NULL AS has_thumbnail,
  (SELECT json_group_array(tag) FROM (SELECT tag FROM recording_tags t WHERE t.recording_id = r.id ORDER BY tag)) AS tags
  FROM recordings r`

/** Query fields that each add one condition, bound to the parameter of the same name. */
const FILTERS: ReadonlyArray<readonly [keyof RecordingQuery, string]> = [
  ['format', 'r.format = @format'],
  ['sensor', 'r.sensor = @sensor'],
  ['tag', 'EXISTS (SELECT 1 FROM recording_tags t WHERE t.recording_id = r.id AND t.tag = @tag)'],
  ['minDurationUs', 'r.duration_us >= @minDurationUs'],
  ['maxDurationUs', 'r.duration_us <= @maxDurationUs'],
  ['minEvents', 'r.event_count >= @minEvents'],
]

export const MAX_TAG_LENGTH = 64
export const MAX_NOTES_LENGTH = 10_000

export class RecordingCatalog {
  private readonly db: Database.Database

  constructor(file: string, private readonly now: () => number = Date.now) {
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('foreign_keys = ON')
    this.db.pragma('busy_timeout = 5000')
    this.migrate()
  }

  /** Adds a recording or refreshes the facts of one already at that path (tags and notes are kept). */
  upsert(path: string, summary: RecordingSummary, facts: RecordingFileFacts, thumbnail: Buffer | null): RecordingEntry {
    const durationUs = summary.firstTimestampUs !== null && summary.lastTimestampUs !== null ? summary.lastTimestampUs - summary.firstTimestampUs : 0
    this.db
      .prepare(
        `INSERT INTO recordings (path, format, sensor, width, height, event_count, on_count, off_count, first_timestamp_us,
           last_timestamp_us, duration_us, size_bytes, modified_at, fingerprint, added_at, thumbnail, missing)
         VALUES (@path, @format, @sensor, @width, @height, @eventCount, @onCount, @offCount, @firstTimestampUs,
           @lastTimestampUs, @durationUs, @sizeBytes, @modifiedAt, @fingerprint, @addedAt, @thumbnail, 0)
         ON CONFLICT(path) DO UPDATE SET format = excluded.format, sensor = excluded.sensor, width = excluded.width,
           height = excluded.height, event_count = excluded.event_count, on_count = excluded.on_count,
           off_count = excluded.off_count, first_timestamp_us = excluded.first_timestamp_us,
           last_timestamp_us = excluded.last_timestamp_us, duration_us = excluded.duration_us,
           size_bytes = excluded.size_bytes, modified_at = excluded.modified_at, fingerprint = excluded.fingerprint,
           thumbnail = excluded.thumbnail, missing = 0`,
      )
      .run({ path, ...summary, ...facts, durationUs, addedAt: this.now(), thumbnail })
    return this.byPath(path)!
  }

  get(id: number): RecordingEntry | null {
    const row = this.db.prepare(`${SELECT} WHERE r.id = ?`).get(id) as Row | undefined
    return row ? toEntry(row) : null
  }

  byPath(path: string): RecordingEntry | null {
    const row = this.db.prepare(`${SELECT} WHERE r.path = ?`).get(path) as Row | undefined
    return row ? toEntry(row) : null
  }

  list(query: RecordingQuery = {}): RecordingEntry[] {
    const where: string[] = []
    const params: Record<string, unknown> = {}
    if (!query.includeMissing) where.push('r.missing = 0')
    for (const [key, condition] of FILTERS) {
      if (query[key] === undefined) continue
      where.push(condition)
      params[key] = query[key]
    }
    const words = (query.text ?? '').toLowerCase().split(/\s+/).filter(Boolean)
    words.forEach((word, i) => {
      where.push(
        `(instr(lower(r.path), @w${i}) > 0 OR instr(lower(coalesce(r.sensor, '')), @w${i}) > 0 OR instr(lower(r.format), @w${i}) > 0
          OR instr(lower(r.notes), @w${i}) > 0
          OR EXISTS (SELECT 1 FROM recording_tags t WHERE t.recording_id = r.id AND instr(lower(t.tag), @w${i}) > 0))`,
      )
      params[`w${i}`] = word
    })
    const order = `${SORT_COLUMNS[query.sortBy ?? 'addedAt']} ${query.descending ? 'DESC' : 'ASC'}, r.id ASC`
    const limit = Math.max(0, Math.min(query.limit ?? 10_000, 10_000))
    const offset = Math.max(0, query.offset ?? 0)
    const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`
    return (this.db.prepare(sql).all(params) as Row[]).map(toEntry)
  }

  setTags(id: number, tags: readonly string[]): RecordingEntry {
    const clean = [...new Set(tags.map((t) => t.trim()).filter(Boolean))]
    for (const tag of clean) {
      if (tag.length > MAX_TAG_LENGTH) throw new SpikelabError('bad-tag', `a tag may have at most ${MAX_TAG_LENGTH} characters`, { field: 'tags' })
    }
    this.requireExisting(id)
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM recording_tags WHERE recording_id = ?').run(id)
      const insert = this.db.prepare('INSERT INTO recording_tags (recording_id, tag) VALUES (?, ?)')
      for (const tag of clean) insert.run(id, tag)
    })()
    return this.get(id)!
  }

  setNotes(id: number, notes: string): RecordingEntry {
    if (notes.length > MAX_NOTES_LENGTH) throw new SpikelabError('bad-notes', `notes may have at most ${MAX_NOTES_LENGTH} characters`, { field: 'notes' })
    this.requireExisting(id)
    this.db.prepare('UPDATE recordings SET notes = ? WHERE id = ?').run(notes, id)
    return this.get(id)!
  }

  thumbnail(id: number): Buffer | null {
    const row = this.db.prepare('SELECT thumbnail FROM recordings WHERE id = ?').get(id) as { thumbnail: Buffer | null } | undefined
    return row?.thumbnail ?? null
  }

  /** Removes the entry from the catalog (the file itself is left alone). */
  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM recordings WHERE id = ?').run(id).changes > 0
  }

  setPath(id: number, path: string): void {
    this.db.prepare('UPDATE recordings SET path = ?, missing = 0 WHERE id = ?').run(path, id)
  }

  setMissing(id: number, missing: boolean): void {
    this.db.prepare('UPDATE recordings SET missing = ? WHERE id = ?').run(missing ? 1 : 0, id)
  }

  distinct(field: 'format' | 'sensor' | 'tag'): string[] {
    const sql =
      field === 'tag'
        ? 'SELECT DISTINCT tag AS v FROM recording_tags ORDER BY v'
        : `SELECT DISTINCT ${field} AS v FROM recordings WHERE ${field} IS NOT NULL ORDER BY v`
    return (this.db.prepare(sql).all() as { v: string }[]).map((r) => r.v)
  }

  close(): void {
    this.db.close()
  }

  private requireExisting(id: number): void {
    if (!this.db.prepare('SELECT 1 FROM recordings WHERE id = ?').get(id)) {
      throw new SpikelabError('not-found', `no recording with id ${id} in the catalog`, { field: 'id' })
    }
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number
    if (version > MIGRATIONS.length) {
      throw new SpikelabError('catalog-too-new', `the catalog was written by a newer Spikelab (schema ${version}, this one knows ${MIGRATIONS.length})`)
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v])
        this.db.pragma(`user_version = ${v + 1}`)
      })()
    }
  }
}

function toEntry(row: Row): RecordingEntry {
  return {
    id: row.id,
    path: row.path,
    format: row.format,
    sensor: row.sensor,
    width: row.width,
    height: row.height,
    eventCount: row.event_count,
    onCount: row.on_count,
    offCount: row.off_count,
    firstTimestampUs: row.first_timestamp_us,
    lastTimestampUs: row.last_timestamp_us,
    durationUs: row.duration_us,
    sizeBytes: row.size_bytes,
    modifiedAt: row.modified_at,
    fingerprint: row.fingerprint,
    addedAt: row.added_at,
    notes: row.notes,
    missing: row.missing === 1,
    hasThumbnail: row.has_thumbnail === 1,
    tags: row.tags ? (JSON.parse(row.tags) as string[]) : [],
  }
}

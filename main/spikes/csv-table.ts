/**
 * RFC 4180 CSV text for result tables: a header row, one line per row, CRLF-free ("\n") lines;
 * fields with a comma, quote, line break or edge space are quoted (quotes doubled). Numbers are written
 * with JavaScript's shortest round-trip form, so they read back exactly; null/NaN become empty fields.
 */
export type CsvCell = string | number | null | undefined

export function csvField(v: CsvCell): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : ''
  return /[",\n\r]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v
}

export function formatCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [header.map(csvField).join(',')]
  for (const row of rows) {
    if (row.length !== header.length) throw new Error(`a CSV row has ${row.length} fields, the header ${header.length}`)
    lines.push(row.map(csvField).join(','))
  }
  return lines.join('\n') + '\n'
}

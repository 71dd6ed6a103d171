import type { EventBatch } from '../../common/event-batch.js'

/** CSV export for Python users: a `t,x,y,p` header line, then one LF-terminated line per event. */
export class CsvExporter {
  private headerWritten = false

  write(batch: EventBatch): string {
    const { t, x, y, p } = batch
    const parts: string[] = this.headerWritten ? [] : ['t,x,y,p\n']
    this.headerWritten = true
    for (let i = 0; i < t.length; i++) parts.push(`${t[i]},${x[i]},${y[i]},${p[i]}\n`)
    return parts.join('')
  }
}

/** LabApi 'recordings.*': the library, playback windows and conversion jobs. */
import path from 'node:path'
import { SpikelabError } from '../../../common/errors.js'
import { encodeEventFrame } from '../../../common/contract/binary-frames.js'
import { convertEventFile, targetFromFileName } from '../../events/index.js'
import type { JobRegistry } from '../jobs.js'
import type { AreaHandlers } from '../lab-server.js'
import type { RecordingCatalog } from './catalog.js'
import type { RecordingLibrary } from './library.js'
import { PlaybackCache } from './playback-cache.js'
import { summarizeEventFile } from './summarize.js'

export function recordingHandlers(catalog: RecordingCatalog, recordings: RecordingLibrary, jobs: JobRegistry): AreaHandlers<'recordings'> {
  const playback = new PlaybackCache(recordings.seekIndexes)
  const entryOrThrow = (id: number) => {
    const entry = catalog.get(id)
    if (!entry) throw new SpikelabError('not-found', `no recording with id ${id} in the catalog`, { field: 'id' })
    return entry
  }
  return {
    'recordings.list': async (query) => ({ entries: catalog.list(query), formats: catalog.distinct('format'), tags: catalog.distinct('tag') }),
    'recordings.update': async ({ id, tags, notes }) => {
      if (tags !== undefined) catalog.setTags(id, tags)
      if (notes !== undefined) catalog.setNotes(id, notes)
      return entryOrThrow(id)
    },
    'recordings.info': async ({ path: file }) => (await summarizeEventFile(file)).summary,
    'recordings.remove': async ({ id }) => {
      const entry = catalog.get(id)
      const removed = catalog.remove(id)
      if (entry && removed) await recordings.seekIndexes.remove(entry.fingerprint)
      return { removed }
    },
    'recordings.thumbnail': async ({ id }) => ({ pngBase64: catalog.thumbnail(id)?.toString('base64') ?? null }),
    'recordings.import': async ({ paths, copy }) => {
      const job = jobs.start('recordings.import', `Import ${paths.length === 1 ? path.basename(paths[0]) : `${paths.length} items`}`, async (ctx) => {
        const report = await recordings.importPaths(paths, {
          copy,
          signal: ctx.signal,
          onProgress: (done, total, current) =>
            ctx.progress({ fraction: total ? done / total : null, message: current ? `Reading ${path.basename(current)} (${done + 1} of ${total})` : '' }),
        })
        ctx.progress({ fraction: 1, message: describeImport(report) })
        return report
      })
      return { jobId: job.id }
    },
    'recordings.rescan': async () => recordings.rescan(),
    'recordings.window': async ({ id, fromUs, toUs }, session) => {
      const entry = entryOrThrow(id)
      const batch = await playback.window(entry, fromUs, toUs)
      const stream = session.openStream(() => undefined)
      // The frame follows the reply (a macrotask later), so the client knows the stream id first.
      setTimeout(() => {
        stream.send(encodeEventFrame(stream.streamId, batch))
        session.closeStream(stream.streamId)
      }, 0)
      return { streamId: stream.streamId, events: batch.t.length }
    },
    'recordings.convert': async ({ input, output, format, fromUs, toUs }) => {
      const target = format ?? targetFromFileName(output)
      if (!target) throw new SpikelabError('convert-format', `give a format: '${path.basename(output)}' does not say which`, { field: 'format' })
      const job = jobs.start('recordings.convert', `Convert ${path.basename(input)} to ${target}`, async (ctx) => {
        const result = await convertEventFile(input, output, {
          target, fromUs, toUs, signal: ctx.signal,
          onProgress: (fraction, events) => ctx.progress({ fraction, message: `${events.toLocaleString('en-US')} events written` }),
        })
        ctx.progress({ fraction: 1, message: `Wrote ${result.events.toLocaleString('en-US')} events to ${path.basename(output)}` })
      })
      return { jobId: job.id }
    },
  }
}

function describeImport(report: { imported: unknown[]; skipped: Array<{ path: string; reason: string }> }): string {
  const skipped = report.skipped.map((s) => `${path.basename(s.path)}: ${s.reason}`)
  return `Imported ${report.imported.length} recording(s)${skipped.length ? `; skipped ${skipped.length} (${skipped.slice(0, 3).join('; ')}${skipped.length > 3 ? '; …' : ''})` : ''}`
}

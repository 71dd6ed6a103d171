/** LabApi 'analysis.*': spike files, their views, classification jobs, stored results and CSV export. */
import { rename, rm, writeFile } from 'node:fs/promises'
import { SpikelabError } from '../../../common/errors.js'
import { encodeSpikeFrame } from '../../../common/contract/binary-frames.js'
import type { AreaHandlers } from '../lab-server.js'
import { clustersCsv, statisticsCsv } from './analysis-csv.js'
import type { AnalysisService } from './analysis-service.js'
import type { AnalysisStore } from './analysis-store.js'

/** Writes text to a temporary name beside `file`, then renames it (nothing half-written). */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.part-${process.pid}`
  try {
    await writeFile(temp, text, 'utf8')
    await rename(temp, file)
  } catch (err) {
    await rm(temp, { force: true })
    throw new SpikelabError('analysis.export', `cannot write the CSV: ${(err as Error).message}`, { file })
  }
}

export function analysisHandlers(analysis: AnalysisService, store: AnalysisStore): AreaHandlers<'analysis'> {
  return {
    'analysis.open': async ({ path: file }) => analysis.open(file),
    'analysis.classify': async ({ path: file, ...options }) => ({ jobId: analysis.classify(file, options) }),
    'analysis.result': async ({ jobId }) => analysis.result(jobId),
    'analysis.history': async ({ limit }) => ({ results: store.list(limit ?? 100), recentFiles: store.recentFiles(20) }),
    'analysis.load': async ({ id }) => analysis.load(id),
    'analysis.remove': async ({ id }) => ({ removed: store.remove(id) }),
    'analysis.spikes': async ({ path: file, units }, session) => {
      const { batch, span, trials } = await analysis.spikes(file, units)
      const stream = session.openStream(() => undefined)
      // The frame follows the reply (a macrotask later), so the client knows the stream id first.
      setTimeout(() => {
        stream.send(encodeSpikeFrame(stream.streamId, batch))
        session.closeStream(stream.streamId)
      }, 0)
      return { streamId: stream.streamId, spikes: batch.t.length, spanS: span, trials }
    },
    'analysis.psth': async ({ path: file, units, binMs, kernel, sigmaMs }) => analysis.psth(file, units, binMs, kernel, sigmaMs),
    'analysis.isi': async ({ path: file, units, binMs, maxMs }) => analysis.isi(file, units, binMs, maxMs),
    'analysis.correlograms': async ({ path: file, units, binMs, maxLag }) => analysis.correlograms(file, units, binMs, maxLag),
    'analysis.exportCsv': async ({ what, id, path: file, output }) => {
      let csv: string
      let rows: number
      if (what === 'clusters') {
        if (id === undefined) throw new SpikelabError('analysis.export', 'exporting clusters needs the id of a stored classification', { field: 'id' })
        const view = analysis.load(id)
        csv = clustersCsv(view)
        rows = view.units.length
      } else {
        if (file === undefined) throw new SpikelabError('analysis.export', 'exporting statistics needs the path of the spike file', { field: 'path' })
        const summary = await analysis.open(file)
        csv = statisticsCsv(summary.stats)
        rows = summary.stats.length
      }
      if (output) await writeAtomically(output, csv)
      return { csv, rows, written: output ?? null }
    },
  }
}

import path from 'node:path'
import { RecordingCatalog } from '../../lab/recordings/catalog.js'
import { RecordingLibrary } from '../../lab/recordings/library.js'
import { defaultLabFolder } from '../../lab/lab.js'
import { EXIT_FAILED, EXIT_OK, type Command } from '../command.js'
import { formatCount } from '../format.js'

export const importCommand: Command = {
  name: 'import',
  summary: 'Add event files or whole folders to the recording library',
  help: [
    'Usage: spikelab import PATH... [--copy] [--lab DIR]',
    '',
    'Every event file found (folders are walked) is read once and catalogued; other files are',
    'listed as skipped with the reason.',
    '',
    '  --copy       copy into <lab>/recordings/ instead of indexing the files where they are',
    '  --lab DIR    lab folder (default ~/Spikelab or $SPIKELAB_LAB_FOLDER)',
  ].join('\n'),
  options: { copy: { type: 'boolean' }, lab: { type: 'string' } },
  positionals: [1, 1000],
  async run({ values, positionals }, io) {
    const labFolder = typeof values.lab === 'string' ? path.resolve(values.lab) : defaultLabFolder()
    const { mkdirSync } = await import('node:fs')
    mkdirSync(labFolder, { recursive: true })
    const library = new RecordingLibrary(labFolder, new RecordingCatalog(path.join(labFolder, 'catalog.sqlite')))
    try {
      const report = await library.importPaths(positionals, {
        copy: values.copy === true,
        onProgress: (done, total, current) => {
          if (current && process.stderr.isTTY) process.stderr.write(`\r[${done + 1}/${total}] ${path.basename(current)}\x1b[K`)
        },
      })
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K')
      for (const e of report.imported) io.out(`imported  ${e.path}  (${e.format}, ${formatCount(e.eventCount)} events)`)
      for (const s of report.skipped) io.err(`skipped   ${s.path}: ${s.reason}`)
      io.out(`${report.imported.length} imported, ${report.skipped.length} skipped; library: ${labFolder}`)
      return report.imported.length === 0 && report.skipped.length > 0 ? EXIT_FAILED : EXIT_OK
    } finally {
      library.catalog.close()
    }
  },
}

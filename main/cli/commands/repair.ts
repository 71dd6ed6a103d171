import path from 'node:path'
import { repairAedat4 } from '../../events/index.js'
import { EXIT_OK, type Command } from '../command.js'
import { formatCount } from '../format.js'

export const repairCommand: Command = {
  name: 'repair',
  summary: 'Rebuild the index (FileDataTable) of an AEDAT 4 recording whose writer was killed',
  help: [
    'Usage: spikelab repair FILE.aedat4',
    '',
    'Scans the packets, cuts a truncated last packet, and appends the FileDataTable so every tool',
    '(DV, jAER, Spikelab) can seek in the file. A file that already has its table is left unchanged.',
  ].join('\n'),
  options: {},
  positionals: [1, 1],
  async run({ positionals }, io) {
    const file = path.resolve(positionals[0])
    const r = await repairAedat4(file)
    io.out(
      r.repaired
        ? `repaired ${file}: ${formatCount(r.packets)} packets, ${formatCount(r.events)} events${r.truncatedBytes ? `, cut ${formatCount(r.truncatedBytes)} bytes of a truncated last packet` : ''}`
        : `${file} already has its FileDataTable (${formatCount(r.packets)} packets, ${formatCount(r.events)} events); nothing to do`,
    )
    return EXIT_OK
  },
}

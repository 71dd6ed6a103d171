import { packageInfo } from '../../lab/package-info.js'
import { EXIT_OK, type Command } from '../command.js'

export const versionCommand: Command = {
  name: 'version',
  summary: 'Print the Spikelab version and the runtime it runs on',
  help: 'Usage: spikelab version [--json]\n\n  --json    print as JSON',
  options: { json: { type: 'boolean' } },
  positionals: [0, 0],
  async run({ values }, io) {
    const info = { spikelab: packageInfo().version, node: process.versions.node, platform: `${process.platform}-${process.arch}` }
    io.out(values.json ? JSON.stringify(info) : `spikelab ${info.spikelab} (node ${info.node}, ${info.platform})`)
    return EXIT_OK
  },
}

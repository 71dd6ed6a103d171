/** Every `spikelab` command, in the order `spikelab --help` lists them. */
import type { Command } from './command.js'
import { serveCommand } from './commands/serve.js'
import { versionCommand } from './commands/version.js'

export const COMMANDS: readonly Command[] = [serveCommand, versionCommand]

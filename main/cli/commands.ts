/** Every `spikelab` command, in the order `spikelab --help` lists them. */
import type { Command } from './command.js'
import { classifyCommand } from './commands/classify.js'
import { convertCommand } from './commands/convert.js'
import { importCommand } from './commands/import.js'
import { infoCommand } from './commands/info.js'
import { repairCommand } from './commands/repair.js'
import { serveCommand } from './commands/serve.js'
import { simCommand } from './commands/sim.js'
import { statsCommand } from './commands/stats.js'
import { synthCommand } from './commands/synth.js'
import { trainCommand } from './commands/train.js'
import { versionCommand } from './commands/version.js'

export const COMMANDS: readonly Command[] = [serveCommand, infoCommand, convertCommand, importCommand, repairCommand, simCommand, statsCommand, classifyCommand, synthCommand, trainCommand, versionCommand]

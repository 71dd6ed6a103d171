import { pathToFileURL } from 'node:url'
import type { PowerCutPoint } from './power-cut.js'
import { SerialDuplex } from '../board-link/serial-duplex.js'
import type { SimBoardOptions } from './sim-board.js'
import { SimBoard } from './sim-board.js'

export interface SimBoardOnPath {
  board: SimBoard
  /** Resolves when the port closes (peer gone or `stop()`). */
  closed: Promise<void>
  stop(): void
}

/**
 * Serves the device side of the board link on a serial path (e.g. one end of a socat pty pair):
 * the entry point behind `spikelab sim board --pty`. The board paces itself at `linkBaud`
 * (ptys ignore baud).
 */
export async function runSimBoardOnPath(path: string, opts: SimBoardOptions = {}): Promise<SimBoardOnPath> {
  const link = await SerialDuplex.open(path)
  const board = new SimBoard(opts)
  board.attach(link)
  let done!: () => void
  const closed = new Promise<void>((r) => (done = r))
  link.onClose(() => {
    board.close()
    done()
  })
  return {
    board,
    closed,
    stop: () => {
      board.close()
      link.close()
      done()
    },
  }
}

/** `tsx native-bridge/sim-board/pty-main.ts PATH [--baud N] [--power-cut POINT[:N]]` */
async function main(argv: string[]): Promise<void> {
  const path = argv[0]
  if (!path) {
    process.stderr.write('usage: pty-main PATH [--baud N] [--flash-time-scale X] [--power-cut POINT[:N]]\n')
    process.exit(2)
  }
  const opt = (name: string) => {
    const i = argv.indexOf(name)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const baud = opt('--baud')
  const scale = opt('--flash-time-scale')
  const running = await runSimBoardOnPath(path, {
    linkBaud: baud !== undefined ? Number(baud) : undefined,
    flashTimeScale: scale !== undefined ? Number(scale) : undefined,
  })
  const cut = opt('--power-cut')
  if (cut) {
    const [point, nth] = cut.split(':')
    running.board.armPowerCut({ point: point as PowerCutPoint, nth: nth ? Number(nth) : 1 })
  }
  process.stdout.write(`sim board serving ${path}\n`)
  const stop = () => running.stop()
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  await running.closed
  process.exit(0)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`)
    process.exit(1)
  })
}

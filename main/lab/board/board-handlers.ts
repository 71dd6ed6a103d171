/** LabApi 'board.*': connect, CAPS and health, run the active model, stream its output spikes. */
import { encodeSpikeFrame } from '../../../common/contract/binary-frames.js'
import type { AreaHandlers } from '../lab-server.js'
import type { BoardRunner } from './board-runner.js'
import type { BoardSession } from './board-session.js'

export function boardHandlers(session: BoardSession, runner: BoardRunner): AreaHandlers<'board'> {
  return {
    'board.connect': async ({ device, baud }) => {
      await runner.stop()
      return session.connect(device, baud)
    },
    'board.disconnect': async () => {
      await runner.stop()
      return session.disconnect()
    },
    'board.status': async () => session.current(),
    'board.run': async (params) => runner.start(params),
    'board.stop': async () => runner.stop(),
    'board.spikes': async (_params, ctx) => {
      let remove = () => {}
      const stream = ctx.openStream(() => remove())
      remove = runner.addViewer({ send: (t, neuron) => stream.send(encodeSpikeFrame(stream.streamId, { t, neuron })) })
      return { streamId: stream.streamId }
    },
  }
}

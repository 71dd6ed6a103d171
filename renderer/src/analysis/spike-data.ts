/**
 * The spikes of an opened file for the raster views: one 'analysis.spikes' request whose binary
 * frame (t, neuron, trial) arrives right after the reply; never turned into objects.
 */
import type { SpikeBatch } from '../../../common/spike-batch'
import { lab } from '../lab/lab'

export interface SpikeData {
  readonly batch: SpikeBatch
  /** Length of one trial (or of the recording), s. */
  readonly spanS: number
  readonly trials: number
}

export async function fetchSpikes(path: string): Promise<SpikeData> {
  const reply = await lab.request('analysis.spikes', { path })
  const batch = await new Promise<SpikeBatch>((resolve, reject) => {
    // A frame the host had to drop (a congested connection) never arrives: say so instead of waiting forever.
    const timer = setTimeout(() => {
      off()
      reject(new Error(`the ${reply.spikes.toLocaleString('en-US')} spikes for the rasters did not arrive; reopen the file to try again`))
    }, 30_000)
    const off = lab.onFrames(reply.streamId, (f) => {
      clearTimeout(timer)
      off()
      if (f.kind === 'spikes') resolve(f.batch)
      else reject(new Error('expected a spike frame'))
    })
  })
  return { batch, spanS: reply.spanS, trials: reply.trials }
}

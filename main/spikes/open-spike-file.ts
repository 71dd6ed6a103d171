/**
 * Opens any spike-train source Spikelab reads, chosen by what the path is: a Kilosort/Phy folder,
 * an NWB file (HDF5 signature), or a long-format CSV/TSV. Repeated-trial data comes back aligned
 * (trial-relative times) when the source has a trial table.
 */
import { open, stat } from 'node:fs/promises'
import path from 'node:path'
import { SpikelabError } from '../../common/errors.js'
import { readEventSpikeFile } from './board-spikes.js'
import { readLongCsv } from './long-csv.js'
import { readNwbUnits } from './nwb.js'
import { readPhyFolder } from './phy-folder.js'
import { alignToTrials, type SpikeRecording } from './recording.js'

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]

export async function openSpikeFile(file: string): Promise<SpikeRecording> {
  const info = await stat(file).catch(() => null)
  if (!info) throw new SpikelabError('spikes.not-found', 'no such file or folder', { file })
  if (info.isDirectory()) return readPhyFolder(file)
  const head = Buffer.alloc(16)
  const handle = await open(file, 'r')
  try {
    await handle.read(head, 0, 16, 0)
  } finally {
    await handle.close()
  }
  if (HDF5_SIGNATURE.every((b, i) => head[i] === b)) {
    const rec = await readNwbUnits(file)
    return rec.trials && rec.timeBase === 'absolute' ? { ...rec, batch: alignToTrials(rec.batch, rec.trials), timeBase: 'trial-relative' } : rec
  }
  // The board's recorded output spikes (and any AEDAT 4 event file): see board-spikes.ts.
  if (head.toString('latin1').startsWith('#!AER-DAT4.')) return readEventSpikeFile(file)
  const ext = path.extname(file).toLowerCase()
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return readLongCsv(file)
  throw new SpikelabError('spikes.unknown-format', 'not a spike file Spikelab reads (NWB, a Phy/Kilosort folder, a long-format CSV/TSV, or AEDAT 4 board spikes)', { file, byteOffset: 0 })
}

/** Length of one repeat (s): the longest trial, or the last spike time when trials have no stop. */
export function repeatDuration(rec: SpikeRecording): number {
  let longest = 0
  for (const tr of rec.trials ?? []) if (tr.stop !== undefined) longest = Math.max(longest, tr.stop - tr.start)
  if (longest > 0) return longest
  let last = 0
  for (const t of rec.batch.t) if (t > last) last = t
  return last
}

/**
 * Fingerprint of a spike source: the catalog's file fingerprint (size + first and last MiB) for a
 * file; for a Phy/Kilosort folder, one hash over the fingerprints of the files it is read from.
 */
import { createHash } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { fingerprintFile } from '../recordings/fingerprint.js'

export async function fingerprintSpikeSource(source: string): Promise<string> {
  const info = await stat(source)
  if (!info.isDirectory()) return fingerprintFile(source)
  const names = (await readdir(source)).filter((n) => /\.(npy|tsv|csv|py)$/i.test(n)).sort()
  const hash = createHash('sha256').update('phy-folder;')
  for (const name of names) hash.update(`${name}:${await fingerprintFile(path.join(source, name))};`)
  return hash.digest('hex')
}

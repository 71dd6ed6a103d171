import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { SpikelabError } from '../../../common/errors.js'
import { convertEventFile, NPY_RECORD_BYTES, openEventFile, WRITABLE_FORMATS } from '../../../main/events/index.js'
import { fixturePath } from '../../support/fixtures.js'

/** MANIFEST stream digest: SHA-256 of "t,x,y,p\n" per event. */
async function digest(file: string): Promise<{ events: number; sha: string }> {
  const hash = createHash('sha256')
  let events = 0
  for await (const b of (await openEventFile(file)).batches()) {
    let text = ''
    for (let i = 0; i < b.t.length; i++) text += `${b.t[i]},${b.x[i]},${b.y[i]},${b.p[i]}\n`
    hash.update(text)
    events += b.t.length
  }
  return { events, sha: hash.digest('hex') }
}

const FIXTURES: Record<string, string> = {
  // MANIFEST stream digests.
  'sample_nmnist.bin': '100f24bcb9d97b1b3f9bb9797ced00381a0b3fa604de6ad8bb921b5adef693c2',
  'sample_ncars.dat': 'fe00a76dbcc1f45cf01f1bc562b6b03d14c0b50f6c6a089e143c970ce96cbb2a',
}

/** N-MNIST has no signature: like every reader of it, ours needs the .bin name. */
const EXTENSION: Record<string, string> = { evt2: '.raw', evt21: '.raw', evt3: '.raw', dat: '.dat', nmnist: '.bin', aedat2: '.aedat', aedat3: '.aedat', aedat4: '.aedat4' }

describe('convertEventFile', () => {
  it('converts each fixture to every writable format and back without changing an event, or refuses and leaves no file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-convert-'))
    for (const [name, sha] of Object.entries(FIXTURES)) {
      for (const target of WRITABLE_FORMATS) {
        const out = path.join(dir, `${name}.${target}${EXTENSION[target]}`)
        try {
          const result = await convertEventFile(fixturePath('events', name), out, { target })
          expect(await digest(out), `${name} → ${target}`).toEqual({ events: result.events, sha })
        } catch (err) {
          // Not representable in that format (e.g. coordinates beyond N-MNIST's 8-bit fields): a typed error, nothing written.
          expect(err, `${name} → ${target}`).toBeInstanceOf(SpikelabError)
          expect(existsSync(out)).toBe(false)
        }
      }
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([])
  })

  it('exports CSV and NPY with one row / record per event', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-convert-'))
    const csv = path.join(dir, 'ncars.csv')
    const npy = path.join(dir, 'ncars.npy')
    await convertEventFile(fixturePath('events', 'sample_ncars.dat'), csv, { target: 'csv' })
    const lines = readFileSync(csv, 'utf8').trim().split('\n')
    // MANIFEST §3: 2,009 events; first (0,25,8,0), last (99952,75,28,1).
    expect(lines).toHaveLength(1 + 2009)
    expect(lines[0]).toBe('t,x,y,p')
    expect(lines[1]).toBe('0,25,8,0')
    expect(lines.at(-1)).toBe('99952,75,28,1')
    await convertEventFile(fixturePath('events', 'sample_ncars.dat'), npy, { target: 'npy' })
    const bytes = readFileSync(npy)
    expect(bytes.subarray(1, 6).toString()).toBe('NUMPY')
    expect(bytes.toString('latin1', 10, 256)).toContain("'shape': (2009,)")
    expect(statSync(npy).size).toBe(256 + 2009 * NPY_RECORD_BYTES)
  })

  it('keeps only the time window, relative to the first event, in raw or shifted time', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-convert-'))
    const out = path.join(dir, 'window.aedat4')
    // MANIFEST §1: the EVT2 sample starts at t = 1,317,888 µs.
    await convertEventFile(fixturePath('events', 'evt2_sample.raw'), out, { target: 'aedat4', fromUs: 10_000, toUs: 20_000 })
    let n = 0
    for await (const b of (await openEventFile(out)).batches()) {
      for (const t of b.t) {
        expect(t).toBeGreaterThanOrEqual(1_317_888 + 10_000)
        expect(t).toBeLessThan(1_317_888 + 20_000)
      }
      n += b.t.length
    }
    expect(n).toBeGreaterThan(0)
    const shifted = path.join(dir, 'shifted.csv')
    await convertEventFile(fixturePath('events', 'evt2_sample.raw'), shifted, { target: 'csv', shiftToZero: true, toUs: 1 })
    expect(readFileSync(shifted, 'utf8').split('\n')[1]).toBe('0,237,121,1') // MANIFEST first event, time shifted to 0
  })

  it('a cancelled conversion leaves no output', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-convert-'))
    const out = path.join(dir, 'cancelled.aedat4')
    const controller = new AbortController()
    controller.abort()
    await expect(convertEventFile(fixturePath('events', 'evt2_sample.raw'), out, { target: 'aedat4', signal: controller.signal })).rejects.toThrow(/cancelled/)
    expect(readdirSync(dir)).toEqual([])
  })
})

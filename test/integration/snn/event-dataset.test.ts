import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeEventFile } from '../../../main/events/write-event-file.js'
import type { EventRecording } from '../../../main/snn/index.js'
import { binEvents, emulateNmnist, eventDataset, labelledFilesInFolder, readEventRecordings, splitByRecording } from '../../../main/snn/index.js'

let root = ''
let emulated: EventRecording[] = []

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'spikelab-events-'))
  // 12 digits through the emulator (coarse time step and short saccades keep it quick)
  emulated = emulateNmnist({ count: 12, seed: 4, emulator: { stepUs: 2000 }, saccades: { saccadeUs: 30_000 } })
  for (const r of emulated) {
    await mkdir(path.join(root, r.label), { recursive: true })
    await writeEventFile(path.join(root, r.label, `${r.id}.bin`), 'nmnist', [r.events], { geometry: r.geometry })
  }
  await writeFile(path.join(root, '.DS_Store'), 'not an event file')
}, 120_000)

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true })
})

/** Events of one recording in [start, start + window), counted directly. */
function eventsIn(r: EventRecording, start: number, window: number): number {
  let n = 0
  for (let i = 0; i < r.events.t.length; i++) if (r.events.t[i] >= start && r.events.t[i] < start + window) n++
  return n
}

describe('event datasets from files', () => {
  it('reads a class-per-folder tree through openEventFile, labels from the folder names', async () => {
    const files = await labelledFilesInFolder(root)
    expect(files).toHaveLength(12)
    const recordings = await readEventRecordings(files)
    for (const r of recordings) {
      const source = emulated.find((e) => r.id.endsWith(`${path.sep}${e.label}${path.sep}${e.id}.bin`))
      expect(source).toBeDefined()
      expect(r.label).toBe(source?.label)
      expect(r.geometry).toEqual({ width: 34, height: 34 })
      expect(r.events.t.length).toBe(source?.events.t.length)
      expect(Array.from(r.events.x)).toEqual(Array.from(source?.events.x ?? []))
    }
  })

  it('bins into [T, H, W, 2] frames that hold every event once, split by recording, with a stable hash', async () => {
    const recordings = await readEventRecordings(await labelledFilesInFolder(root))
    const options = { steps: 5, testFraction: 0.25, seed: 2 }
    const data = eventDataset(recordings, options)
    expect(data.classes).toEqual([...new Set(recordings.map((r) => r.label))].sort((a, b) => Number(a) - Number(b)))
    expect(data.train.count + data.test.count).toBe(12)
    expect(data.test.count).toBe(3)
    expect(data.train.frameShape).toEqual([5, 34, 34, 2])
    const size = 5 * 34 * 34 * 2
    for (const set of [data.train, data.test]) {
      for (let k = 0; k < set.count; k++) {
        const r = recordings.find((x) => x.id === set.recordingIds[k])
        if (!r) throw new Error('sample without recording')
        expect(data.classes[set.labels[k]]).toBe(r.label)
        const sample = set.frames.subarray(k * size, (k + 1) * size)
        expect(sample.reduce((a, b) => a + b, 0)).toBe(r.events.t.length)
        // ON events land in channel 1
        let on = 0
        for (let i = 1; i < size; i += 2) on += sample[i]
        expect(on).toBe(r.events.p.reduce((a, p) => a + p, 0))
      }
    }
    const trainIds = new Set(data.train.recordingIds)
    expect(data.test.recordingIds.some((id) => trainIds.has(id))).toBe(false)
    expect(eventDataset(recordings, options).hash).toBe(data.hash)
    expect(eventDataset(recordings, { ...options, steps: 4 }).hash).not.toBe(data.hash)
    expect(data.hash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('windows of one recording stay on one side of the split', () => {
    const windowUs = 20_000
    const data = eventDataset(emulated, { steps: 2, windowUs, windowsPerRecording: 'all', pool: 2, polarity: 'merge', testFraction: 0.5, seed: 1 })
    expect(data.train.frameShape).toEqual([2, 17, 17, 1])
    const perRecording = new Map<string, number>()
    for (const id of [...data.train.recordingIds, ...data.test.recordingIds]) perRecording.set(id, (perRecording.get(id) ?? 0) + 1)
    for (const count of perRecording.values()) expect(count).toBeGreaterThan(1)
    const trainIds = new Set(data.train.recordingIds)
    expect(data.test.recordingIds.some((id) => trainIds.has(id))).toBe(false)
    // the first window of the first training recording, counted directly
    const r = emulated.find((x) => x.id === data.train.recordingIds[0])
    if (!r) throw new Error('missing recording')
    const size = 2 * 17 * 17
    const first = data.train.frames.subarray(0, size).reduce((a, b) => a + b, 0)
    expect(first).toBe(eventsIn(r, r.events.t[0], windowUs))
  })

  it('binary frames clip counts to 1, and time bins follow the timestamps', () => {
    const r = emulated[0]
    const start = r.events.t[0]
    const frames = binEvents(r.events, r.geometry, start, 90_000, { steps: 3, binary: true })
    expect(Math.max(...frames)).toBe(1)
    const counts = binEvents(r.events, r.geometry, start, 90_000, { steps: 3 })
    const per = 34 * 34 * 2
    for (let t = 0; t < 3; t++) {
      expect(counts.subarray(t * per, (t + 1) * per).reduce((a, b) => a + b, 0)).toBe(eventsIn(r, start + t * 30_000, 30_000))
    }
  })

  it('split by recording is seeded and rejects bad fractions', () => {
    const a = splitByRecording(emulated, { testFraction: 0.5, seed: 9 })
    expect(splitByRecording(emulated, { testFraction: 0.5, seed: 9 }).test.map((r) => r.id)).toEqual(a.test.map((r) => r.id))
    expect(() => splitByRecording(emulated, { testFraction: 1, seed: 0 })).toThrow(/testFraction/)
  })

  it('names a folder without class sub-folders', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'spikelab-empty-'))
    await expect(labelledFilesInFolder(empty)).rejects.toThrow(/class sub-folders/)
    await rm(empty, { recursive: true, force: true })
  })
})

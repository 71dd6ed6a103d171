import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { LabRequestError } from '../../../common/contract/lab-api.js'
import type { JobInfo } from '../../../common/contract/schemas.js'
import { createEventBatch } from '../../../common/event-batch.js'
import { Evt3Encoder } from '../../../main/events/index.js'
import { fixturePath } from '../../support/fixtures.js'
import { connectInMemoryLab } from '../../support/in-memory-lab.js'

const connect = () => connectInMemoryLab('spikelab-api-')

describe('recordings over LabApi', () => {
  it('imports as a job with progress, then lists, tags, searches and removes', async () => {
    const { client } = connect()
    const updates: JobInfo[] = []
    const finished = new Promise<JobInfo>((resolve) =>
      client.on('jobs.update', (job) => {
        updates.push(job)
        if (job.state !== 'running') resolve(job)
      }),
    )
    const { jobId } = await client.request('recordings.import', { paths: [fixturePath('events')], copy: false })
    const job = await finished
    expect(job).toMatchObject({ id: jobId, kind: 'recordings.import', state: 'done', progress: 1 })
    expect(job.message).toMatch(/^Imported 4 recording\(s\); skipped 1 \(MANIFEST\.md: not an event file/)
    expect(updates[0].state).toBe('running')

    const all = await client.request('recordings.list', {})
    expect(all.entries).toHaveLength(4)
    expect(all.formats).toEqual(['aedat2', 'dat', 'evt2', 'nmnist'])
    const ncars = all.entries.find((e) => e.path.endsWith('sample_ncars.dat'))!
    const tagged = await client.request('recordings.update', { id: ncars.id, tags: ['cars', 'n-cars'], notes: 'from tonic' })
    expect(tagged.tags).toEqual(['cars', 'n-cars'])
    expect((await client.request('recordings.list', { text: 'cars tonic' })).entries.map((e) => e.id)).toEqual([ncars.id])
    const thumb = await client.request('recordings.thumbnail', { id: ncars.id })
    expect(Buffer.from(thumb.pngBase64!, 'base64').subarray(1, 4).toString()).toBe('PNG')
    expect(await client.request('recordings.remove', { id: ncars.id })).toEqual({ removed: true })
    expect((await client.request('recordings.list', {})).entries).toHaveLength(3)
  })

  it('refuses relative paths and unknown query fields, naming them', async () => {
    const { client } = connect()
    const err = await client.request('recordings.import', { paths: ['relative/file.aedat4'], copy: false }).catch((e: LabRequestError) => e)
    expect(err).toBeInstanceOf(LabRequestError)
    expect((err as LabRequestError).wire.issues).toEqual([{ path: 'params.paths.0', message: 'must be an absolute path' }])
    const err2 = await client.request('recordings.list', { sortBy: 'path; DROP TABLE' as 'path' }).catch((e: LabRequestError) => e)
    expect((err2 as LabRequestError).wire.issues?.[0].path).toBe('params.sortBy')
    const err3 = await client.request('recordings.update', { id: 12345, notes: 'x' }).catch((e: LabRequestError) => e)
    expect((err3 as LabRequestError).message).toMatch(/no recording with id 12345/)
  })
})

describe('conversion over LabApi', () => {
  it('runs as a job and writes the converted file', async () => {
    const { client } = connect()
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'spikelab-api-convert-')), 'cars.aedat4')
    const done = new Promise<JobInfo>((resolve) => client.on('jobs.update', (j) => j.state !== 'running' && resolve(j)))
    await client.request('recordings.convert', { input: fixturePath('events', 'sample_ncars.dat'), output: out })
    const job = await done
    expect(job.state).toBe('done')
    expect(job.message).toBe('Wrote 2,009 events to cars.aedat4') // MANIFEST §3
    expect(existsSync(out)).toBe(true)
  })
})

describe('playback windows over LabApi', () => {
  it('sends the events of [from, to) of a recording as one binary frame after the reply', async () => {
    const { client } = connect()
    const done = new Promise<JobInfo>((resolve) => client.on('jobs.update', (j) => j.state !== 'running' && resolve(j)))
    await client.request('recordings.import', { paths: [fixturePath('events', 'sample_nmnist.bin')], copy: false })
    await done
    const [entry] = (await client.request('recordings.list', {})).entries
    const { streamId, events } = await client.request('recordings.window', { id: entry.id, fromUs: 654, toUs: 3018 })
    const frame = await new Promise<{ t: number[]; x: number[]; y: number[]; p: number[] }>((resolve) => {
      const off = client.onFrames(streamId, (f) => {
        off()
        if (f.kind === 'events') resolve({ t: [...f.batch.t], x: [...f.batch.x], y: [...f.batch.y], p: [...f.batch.p] })
      })
    })
    // MANIFEST §2: the first three events are (654,7,15,1) (2999,19,18,0) (3017,21,17,0).
    expect(events).toBe(3)
    expect(frame).toEqual({ t: [654, 2999, 3017], x: [7, 19, 21], y: [15, 18, 17], p: [1, 0, 0] })
  })
})

describe('playback of a recording larger than one index segment (EVT 3.0)', () => {
  it('imports with a sparse seek index beside the catalog, serves windows from it, and drops it with the recording', async () => {
    const { lab, client } = connect()
    // 2.5 M events, one per 10 µs: t = 10·i, x = i mod 640, y = (i div 640) mod 480, p = i mod 2
    const n = 2_500_000
    const batch = createEventBatch(n)
    for (let i = 0; i < n; i++) {
      batch.t[i] = 10 * i
      batch.x[i] = i % 640
      batch.y[i] = Math.floor(i / 640) % 480
      batch.p[i] = i % 2
    }
    const enc = new Evt3Encoder({ geometry: { width: 640, height: 480 } })
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'spikelab-evt3-')), 'long.raw')
    writeFileSync(file, Buffer.concat([Buffer.from(enc.write(batch)), Buffer.from(enc.end())]))

    const done = new Promise<JobInfo>((resolve) => client.on('jobs.update', (j) => j.state !== 'running' && resolve(j)))
    await client.request('recordings.import', { paths: [file], copy: false })
    expect((await done).state).toBe('done')
    const [entry] = (await client.request('recordings.list', {})).entries
    expect(entry.eventCount).toBe(n)
    const indexFolder = path.join(lab.recordings.recordingsFolder, '..', 'seek-index')
    expect(readdirSync(indexFolder)).toEqual([`${entry.fingerprint}.json`])
    const stored = JSON.parse(readFileSync(path.join(indexFolder, `${entry.fingerprint}.json`), 'utf8')) as { segments: unknown[] }
    expect(stored.segments.length).toBeGreaterThanOrEqual(2)

    // the window [20,000,000, 20,000,050) µs holds events i = 2,000,000 … 2,000,004
    const { streamId, events } = await client.request('recordings.window', { id: entry.id, fromUs: 20_000_000, toUs: 20_000_050 })
    const frame = await new Promise<{ t: number[]; x: number[] }>((resolve) => {
      const off = client.onFrames(streamId, (f) => {
        off()
        if (f.kind === 'events') resolve({ t: [...f.batch.t], x: [...f.batch.x] })
      })
    })
    expect(events).toBe(5)
    expect(frame.t).toEqual([20_000_000, 20_000_010, 20_000_020, 20_000_030, 20_000_040])
    expect(frame.x).toEqual([0, 1, 2, 3, 4].map((k) => (2_000_000 + k) % 640))

    await client.request('recordings.remove', { id: entry.id })
    expect(existsSync(path.join(indexFolder, `${entry.fingerprint}.json`))).toBe(false)
    await lab.dispose()
  }, 60_000)
})

describe('info over LabApi', () => {
  it('describes a file outside the library, with the MANIFEST facts', async () => {
    const { client } = connect()
    const info = await client.request('recordings.info', { path: fixturePath('events', 'IMU_rotDisk.aedat') })
    // MANIFEST §4: DAVIS240C 240×180, 374,296 DVS events (ON 163,098), t ∈ [341,678, 3,508,437].
    expect(info).toEqual({
      format: 'aedat2', sensor: 'DAVIS240C', width: 240, height: 180, eventCount: 374_296, onCount: 163_098, offCount: 211_198,
      firstTimestampUs: 341_678, lastTimestampUs: 3_508_437,
    })
    await expect(client.request('recordings.info', { path: fixturePath('events', 'MANIFEST.md') })).rejects.toThrow(/event format/)
  })
})

/**
 * Training on a compute host: a real second `spikelab serve --token T` child process with its own lab
 * folder trains the run; the local lab (in-process) relays it as its own `training.update`, mirrors
 * it in a local job, records it in its catalog, passes cancel through, and reports a lost host.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LabApi } from '../../../common/contract/lab-api.js'
import { createLabClient, type ClientTransport } from '../../../common/contract/lab-client.js'
import type { TrainingConfig, TrainingRun } from '../../../common/contract/schemas.js'
import { runCli } from '../../../main/cli/main.js'
import { JobRegistry } from '../../../main/lab/jobs.js'
import { createLab, type Lab } from '../../../main/lab/lab.js'
import { ModelStore } from '../../../main/lab/training/model-store.js'
import { connectToHost, RemoteTraining } from '../../../main/lab/training/remote-training.js'
import { startHostProcess, type HostProcess } from '../../support/host-process.js'

const TOKEN = 'remote-training-token-0123456789'
const tiny: TrainingConfig = {
  method: 'bptt', epochs: 1, batchSize: 50, steps: 5, learningRate: 5e-3, hidden: 16, beta: 0.95, encoding: 'rate',
  trainCount: 200, testCount: 100, seed: 3, backend: 'cpu',
}
/**
 * Long enough to be caught mid-run and still be running after a dropped connection has been noticed
 * (up to 10 s) and restored: 40 epochs of 180 batches, about 2 minutes on an idle machine (5 epochs
 * took 16 s once the host-fused engine got faster, and the run ended before the relay came back).
 * The tests end it early.
 */
const long: TrainingConfig = { ...tiny, epochs: 40, trainCount: 9000 }
/** 784×16 + 16 + 16×10 + 10 float32 parameters. */
const WEIGHT_BYTES = (784 * 16 + 16 + 16 * 10 + 10) * 4

/** The local lab in-process, with a client joined to it the way a shell joins them. */
function localLab(): { lab: Lab; client: LabApi; labFolder: string; updates: TrainingRun[] } {
  const labFolder = mkdtempSync(path.join(os.tmpdir(), 'spikelab-local-'))
  const lab = createLab({ shell: 'host', labFolder, listPorts: async () => [] })
  let sink!: Parameters<ClientTransport['connect']>[0]
  const session = lab.server.connect({ message: (m) => queueMicrotask(() => sink.message(JSON.parse(JSON.stringify(m)))), binary: () => true })
  const client = createLabClient({
    send: (m) => void session.handleMessage(JSON.parse(JSON.stringify(m))),
    connect: (s) => {
      sink = s
      s.state('open')
    },
  })
  const updates: TrainingRun[] = []
  client.on('training.update', (run) => updates.push(run))
  return { lab, client, labFolder, updates }
}

const wsUrl = (host: HostProcess) => `ws://127.0.0.1:${new URL(host.url).port}`

/**
 * A TCP relay to the host that can drop every connection and refuse new ones for a while (a network
 * outage with the host still running). The Host header of each upgrade request is rewritten to the
 * host's own port, which its Host check expects.
 */
async function flakyRelay(targetPort: number) {
  let down = false
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    if (down) return void client.destroy()
    const upstream = net.connect(targetPort, '127.0.0.1')
    let first = true
    client.on('data', (chunk: Buffer) => {
      upstream.write(first ? Buffer.from(chunk.toString('latin1').replace(/\r\nHost: [^\r]*/i, `\r\nHost: 127.0.0.1:${targetPort}`), 'latin1') : chunk)
      first = false
    })
    upstream.pipe(client)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => undefined)
      s.on('close', () => {
        sockets.delete(s)
        client.destroy()
        upstream.destroy()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/lab`,
    cut() {
      down = true
      for (const s of sockets) s.destroy()
    },
    restore() {
      down = false
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('training on a compute host (spikelab serve --token)', () => {
  let remote: HostProcess
  let local: ReturnType<typeof localLab>
  let remoteClient: LabApi
  let closeRemoteClient: () => void

  beforeAll(async () => {
    remote = await startHostProcess(['--token', TOKEN])
    local = localLab()
    const connection = connectToHost({ name: 'probe', url: `${wsUrl(remote)}/lab`, token: TOKEN })
    await connection.ready
    remoteClient = connection.client
    closeRemoteClient = () => connection.close()
  }, 30_000)

  afterAll(async () => {
    closeRemoteClient?.()
    await local?.lab.dispose()
    await remote?.stop()
  })

  it('keeps the token in a 0600 file and never returns it', async () => {
    const added = await local.client.request('training.hosts.add', { name: 'gpu', url: wsUrl(remote), token: TOKEN })
    expect(added).toEqual({ name: 'gpu', url: `${wsUrl(remote)}/lab`, tokenSet: true, allowInsecure: false })
    const listed = await local.client.request('training.hosts', {})
    expect(listed).toEqual([added])
    expect(JSON.stringify(listed)).not.toContain(TOKEN)
    const file = path.join(local.labFolder, 'compute-hosts.json')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8')).toContain(TOKEN)
  })

  it('refuses plain ws:// to another machine unless allowed, naming why', async () => {
    await expect(local.client.request('training.hosts.add', { name: 'far', url: 'ws://192.0.2.7:8080', token: TOKEN })).rejects.toThrow(/unencrypted/)
    await expect(local.client.request('training.hosts.add', { name: 'far', url: 'ftp://192.0.2.7', token: TOKEN })).rejects.toThrow(/ws:\/\/ or wss:\/\//)
    const allowed = await local.client.request('training.hosts.add', { name: 'far', url: 'ws://192.0.2.7:8080', token: TOKEN, allowInsecure: true })
    expect(allowed.allowInsecure).toBe(true)
    expect((await local.client.request('training.hosts.add', { name: 'tls', url: 'https://gpu.example:8443/?token=x', token: TOKEN })).url).toBe('wss://gpu.example:8443/lab')
    expect(await local.client.request('training.hosts.remove', { name: 'far' })).toEqual({ removed: true })
    expect(await local.client.request('training.hosts.remove', { name: 'tls' })).toEqual({ removed: true })
    expect(await local.client.request('training.hosts.remove', { name: 'far' })).toEqual({ removed: false })
  })

  it('trains there and relays progress and the final run here, recorded in the local catalog', async () => {
    const { jobId, runId } = await local.client.request('training.start', { ...tiny, host: 'gpu' })
    await expect.poll(() => local.updates.filter((u) => u.id === runId).at(-1)?.state, { timeout: 90_000 }).toBe('done')
    const mine = local.updates.filter((u) => u.id === runId)
    expect(mine.every((u) => u.host === 'gpu' && u.jobId === jobId)).toBe(true)
    expect(mine.some((u) => u.state === 'running' && u.progress !== null && u.progress.batches === 4)).toBe(true)
    const last = mine.at(-1)!
    expect(last.backend).toBe('cpu')
    expect(last.history).toHaveLength(1)
    expect(last.error).toBeNull()

    // the host's own record of the run agrees, and its weights are there (the local record names that folder)
    const there = (await remoteClient.request('training.runs', {})).find((r) => r.id === runId)!
    expect(there.state).toBe('done')
    expect(last.history).toEqual(there.history)
    expect(last.dataHash).toBe(there.dataHash)
    expect(last.folder).toBe(`remote:gpu/${there.folder}`)
    expect(there.folder.startsWith(remote.labFolder)).toBe(true)
    expect(statSync(path.join(there.folder, 'weights.bin')).size).toBe(WEIGHT_BYTES)

    // the local job mirrored it; the local catalog holds it (also after the lab reopens)
    const job = (await local.client.request('jobs.list', {})).find((j) => j.id === jobId)!
    expect(job).toMatchObject({ kind: 'training', state: 'done', progress: 1 })
    expect(job.title).toContain('gpu')
    const listed = (await local.client.request('training.runs', {})).find((r) => r.id === runId)!
    expect(listed).toMatchObject({ state: 'done', host: 'gpu', backend: 'cpu' })
    const store = new ModelStore(path.join(local.labFolder, 'catalog.sqlite'))
    try {
      const row = store.get(runId)!
      expect(row.run).toMatchObject({ state: 'done', host: 'gpu', folder: last.folder })
      expect(row.checkpoint).toMatchObject({ epoch: 1, backend: 'cpu', dataHash: there.dataHash })
      expect(row.checkpoint!.metrics.testAccuracy).toBe(there.history[0].testAccuracy)
    } finally {
      store.close()
    }
    await expect(local.client.request('training.inspect', { runId })).rejects.toThrow(/stay on compute host 'gpu'/)
  }, 120_000)

  it('passes cancel through to the host', async () => {
    const { jobId, runId } = await local.client.request('training.start', { ...long, host: 'gpu' })
    await expect.poll(() => local.updates.some((u) => u.id === runId && u.progress !== null), { timeout: 60_000 }).toBe(true)
    expect(await local.client.request('jobs.cancel', { jobId })).toEqual({ cancelled: true })
    await expect.poll(() => local.updates.filter((u) => u.id === runId).at(-1)?.state, { timeout: 30_000 }).toBe('cancelled')
    const there = (await remoteClient.request('training.runs', {})).find((r) => r.id === runId)!
    expect(there.state).toBe('cancelled')
    expect(there.history.length).toBeLessThan(long.epochs)
    expect((await local.client.request('jobs.list', {})).find((j) => j.id === jobId)?.state).toBe('cancelled')
  }, 120_000)

  it('shows a dropped connection as the run error, then resumes relaying when the host is reachable again', async () => {
    const relay = await flakyRelay(Number(new URL(remote.url).port))
    const labFolder = mkdtempSync(path.join(os.tmpdir(), 'spikelab-local-'))
    const updates: TrainingRun[] = []
    const jobs = new JobRegistry(() => undefined)
    const store = new ModelStore(path.join(labFolder, 'catalog.sqlite'))
    try {
      const remoteTraining = new RemoteTraining(jobs, store, (run) => updates.push(run), { reconnectGraceMs: 60_000 })
      // still running when the host is reachable again; it is cancelled then
      const { jobId, runId } = await remoteTraining.start(long, { name: 'flaky', url: relay.url, token: TOKEN })
      await expect.poll(() => updates.some((u) => u.progress !== null), { timeout: 60_000 }).toBe(true)
      relay.cut()
      await expect.poll(() => updates.at(-1)?.error ?? '', { timeout: 10_000 }).toMatch(/lost the connection to compute host 'flaky'.*reconnecting/)
      const before = updates.at(-1)!.progress!
      const errorAt = updates.length
      await new Promise((r) => setTimeout(r, 1000))
      relay.restore()
      // progress is relayed again, further along, with the error cleared
      const step = (p: TrainingRun['progress']) => (p ? p.epoch * 1000 + p.batch : 0)
      await expect
        .poll(() => updates.slice(errorAt).some((u) => u.state === 'running' && u.error === null && step(u.progress) > step(before)), { timeout: 30_000 })
        .toBe(true)
      expect(jobs.get(jobId)?.state).toBe('running')
      // and the run is still the host's: cancel reaches it through the new connection
      jobs.cancel(jobId)
      expect((await jobs.settled(jobId)).state).toBe('cancelled')
      const trail = JSON.stringify(updates.slice(errorAt - 1).map((u) => [u.state, u.error, step(u.progress)]))
      expect(updates.at(-1), trail).toMatchObject({ id: runId, state: 'cancelled', host: 'flaky', error: null })
      const there = (await remoteClient.request('training.runs', {})).find((r) => r.id === runId)!
      expect(there.state).toBe('cancelled')
      expect(updates.at(-1)!.history).toEqual(there.history)
    } finally {
      store.close()
      await relay.close()
    }
  }, 120_000)

  it('rejects a wrong token clearly and starts nothing, here or there', async () => {
    await local.client.request('training.hosts.add', { name: 'wrong', url: wsUrl(remote), token: 'not-the-right-token-at-all' })
    const jobsHere = (await local.client.request('jobs.list', {})).length
    const runsHere = (await local.client.request('training.runs', {})).length
    const jobsThere = (await remoteClient.request('jobs.list', {})).length
    const attempt = local.client.request('training.start', { ...tiny, host: 'wrong' })
    await expect(attempt).rejects.toThrow(/compute host 'wrong' .* refused the token/)
    await expect(attempt).rejects.not.toThrow(/not-the-right-token/)
    expect((await local.client.request('jobs.list', {})).length).toBe(jobsHere)
    expect((await local.client.request('training.runs', {})).length).toBe(runsHere)
    expect((await remoteClient.request('jobs.list', {})).length).toBe(jobsThere)
    await expect(local.client.request('training.start', { ...tiny, host: 'nowhere' })).rejects.toThrow(/no compute host named 'nowhere'/)
  })

  it('trains there from the command line (spikelab train --host --token)', async () => {
    const labFolder = mkdtempSync(path.join(os.tmpdir(), 'spikelab-train-cli-remote-'))
    const out: string[] = []
    const err: string[] = []
    const argv = ['train', '--host', wsUrl(remote), '--token', TOKEN, '--epochs', '1', '--hidden', '16', '--steps', '5', '--batch', '50', '--train', '200', '--test', '100', '--seed', '3', '--backend', 'cpu', '--lab', labFolder, '--json']
    const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) })
    expect(code, err.join('\n')).toBe(0)
    const hostName = `127.0.0.1:${new URL(remote.url).port}`
    expect(err.join('\n')).toContain(`backend on ${hostName}: cpu`)
    expect(err.join('\n')).not.toContain(TOKEN)
    const run = JSON.parse(out.join('\n')) as TrainingRun
    expect(run).toMatchObject({ state: 'done', host: hostName })
    expect(run.history).toHaveLength(1)
    const there = (await remoteClient.request('training.runs', {})).find((r) => r.id === run.id)!
    expect(run.history).toEqual(there.history)
    const bad = await runCli(['train', '--host', wsUrl(remote), '--token', 'wrong-token-wrong-token', '--lab', labFolder], { out: () => undefined, err: (t) => err.push(t) })
    expect(bad).not.toBe(0)
    expect(err.join('\n')).toMatch(/refused the token/)
  }, 120_000)
})

describe('a compute host that goes away mid-run', () => {
  it('shows the lost connection as the run error naming the host, then fails the run after the grace period', async () => {
    const doomed = await startHostProcess(['--token', TOKEN])
    const labFolder = mkdtempSync(path.join(os.tmpdir(), 'spikelab-local-'))
    const updates: TrainingRun[] = []
    const jobs = new JobRegistry(() => undefined)
    const store = new ModelStore(path.join(labFolder, 'catalog.sqlite'))
    try {
      const remoteTraining = new RemoteTraining(jobs, store, (run) => updates.push(run), { reconnectGraceMs: 1500 })
      const { jobId, runId } = await remoteTraining.start(long, { name: 'doomed', url: `${wsUrl(doomed)}/lab`, token: TOKEN })
      await expect.poll(() => updates.some((u) => u.progress !== null), { timeout: 60_000 }).toBe(true)
      doomed.child.kill('SIGKILL')
      await expect.poll(() => updates.at(-1)?.error ?? '', { timeout: 10_000 }).toMatch(/lost the connection to compute host 'doomed'/)
      expect(updates.at(-1)?.state).toBe('running')
      const job = await jobs.settled(jobId)
      expect(job.state).toBe('failed')
      expect(job.error).toMatch(/compute host 'doomed'.*did not come back/)
      const last = updates.at(-1)!
      expect(last).toMatchObject({ id: runId, state: 'failed', host: 'doomed' })
      expect(store.get(runId)?.run.state).toBe('failed')
    } finally {
      store.close()
      await doomed.stop()
    }
  }, 120_000)
})

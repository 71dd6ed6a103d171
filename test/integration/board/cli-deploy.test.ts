import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeModelBlob, sha256, toHex } from '../../../native-bridge/engine/index.js'
import { repoRoot } from '../../support/fixtures.js'
import { randomModel } from '../../unit/board-link/random-model.js'

const cli = path.join(repoRoot, 'bin/spikelab.js')

/** `spikelab sim board --pty --link PATH` in its own process group (socat goes with it). */
async function startBoard(link: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, 'sim', 'board', '--pty', '--link', link], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim board did not start: ${err}`)), 30_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('ready on')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`sim board exited with ${code}: ${err}`)))
  })
  return child
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `spikelab deploy`; `interruptWhen` sends SIGINT (Ctrl+C) once stderr matches it. */
function deploy(args: string[], interruptWhen?: RegExp): Promise<Run> {
  const child = spawn(process.execPath, [cli, 'deploy', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let sent = false
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString()
    if (interruptWhen && !sent && interruptWhen.test(stderr)) {
      sent = true
      child.kill('SIGINT')
    }
  })
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })))
}

const count = (s: string) => Number(s.replace(/,/g, ''))

describe('spikelab deploy against the simulated board in its own process (pty)', () => {
  let dir: string
  let board: ChildProcess
  let link: string

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-cli-deploy-'))
    link = path.join(dir, 'board')
    board = await startBoard(link)
  })
  afterAll(() => {
    try {
      process.kill(-board.pid!, 'SIGTERM')
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('Ctrl+C mid-transfer leaves a resumable state: the next run sends only the missing bytes', async () => {
    // ~320 KB: at the simulated 2 Mbaud (200 kB/s) plus sector erases, several seconds of transfer.
    const blob = encodeModelBlob(randomModel(31, 256, 1024, 32))
    const file = path.join(dir, 'model.blob')
    writeFileSync(file, blob)
    const total = blob.length

    // Interrupt once a third of the blob is acknowledged (the non-terminal progress lines: one per tenth).
    const first = await deploy(['--port', link, file, '--confirm'], /\[#{9,}/)
    expect(first.code).toBe(1)
    const m = /interrupted after ([\d,]+) of ([\d,]+) bytes/.exec(first.stderr)
    expect(m, first.stderr).not.toBeNull()
    const acked = count(m![1])
    expect(count(m![2])).toBe(total)
    expect(acked).toBeGreaterThan(0)
    expect(acked).toBeLessThan(total)

    const second = await deploy(['--port', link, file, '--confirm'])
    expect(second.code, second.stderr).toBe(0)
    const held = /the board holds ([\d,]+) verified bytes/.exec(second.stdout)
    expect(held, second.stdout).not.toBeNull()
    const line = /resumed at byte ([\d,]+); ([\d,]+) bytes sent \(([\d,]+) on the wire/.exec(second.stdout)
    expect(line, second.stdout).not.toBeNull()
    const [resumed, sentAgain, onWire] = [count(line![1]), count(line![2]), count(line![3])]
    // The board resumes from what it verified (at least what it had acknowledged), on a chunk boundary.
    expect(resumed).toBeGreaterThanOrEqual(acked - (acked % 512))
    expect(resumed % 512).toBe(0)
    expect(resumed).toBeLessThanOrEqual(count(held![1]))
    // Only the missing bytes travel: each once (go-back-N may repeat some on the wire under load).
    expect(sentAgain).toBe(total - resumed)
    expect(onWire).toBeGreaterThanOrEqual(sentAgain)
    expect(second.stdout).toContain(`sha256 ${toHex(sha256(blob))}`)
    expect(second.stdout).toMatch(/confirmed \(model sequence \d+\)/)
    // The progress bar shows bytes, rate and ETA.
    expect(second.stderr).toMatch(/\[#+\.*\] [\d,]+ \/ [\d,]+ B {2}[\d.]+ KiB\/s {2}ETA [\d.]+ s/)
  })

  it('rejects a malformed blob before sending anything, and a wrong command line with exit 2', async () => {
    const bad = path.join(dir, 'bad.blob')
    writeFileSync(bad, new Uint8Array(100))
    const r = await deploy(['--port', link, bad])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/spikelab deploy: .*(magic|HEADER_INVALID|blob)/i)
    const usage = await deploy([bad])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain('give exactly one of --port PATH or --sim')
  })
})

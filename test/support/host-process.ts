import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { repoRoot } from './fixtures.js'

export interface HostProcess {
  readonly url: string
  readonly origin: string
  readonly child: ChildProcess
  readonly labFolder: string
  stderr(): string
  stop(): Promise<void>
}

/** Starts `spikelab serve --port 0` as a real child process and waits for the URL it prints. */
export async function startHostProcess(extraArgs: string[] = [], nodeArgs: string[] = []): Promise<HostProcess> {
  const labFolder = mkdtempSync(path.join(os.tmpdir(), 'spikelab-lab-'))
  const child = spawn(process.execPath, [...nodeArgs, path.join(repoRoot, 'bin/spikelab.js'), 'serve', '--port', '0', '--lab', labFolder, ...extraArgs], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`spikelab serve printed no URL in 20 s; stderr: ${err}`)), 20_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /serving at (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`spikelab serve exited with ${code}; stderr: ${err}`))
    })
  })
  return {
    url,
    origin: new URL(url).origin,
    child,
    labFolder,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(labFolder, { recursive: true, force: true })
    },
  }
}

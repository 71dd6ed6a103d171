import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** `socat -d -d pty,raw,echo=0 pty,raw,echo=0` with stable link names; kill() unplugs it. */
export async function startPtyPair(dir: string): Promise<{ host: string; device: string; proc: ChildProcess; kill: () => Promise<void> }> {
  const host = path.join(dir, 'host')
  const device = path.join(dir, 'device')
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${device}`], { stdio: 'ignore' })
  await until(() => existsSync(host) && existsSync(device), 5000, 'socat links')
  return {
    host,
    device,
    proc,
    kill: async () => {
      if (proc.exitCode === null) {
        proc.kill('SIGKILL')
        await new Promise((r) => proc.once('exit', r))
      }
    },
  }
}

/** Starts the simulated sensor in its own Node process on `devicePath`; resolves once it is ready. */
export async function startSimChild(devicePath: string, count: number, seed: number, baud: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'sim-child.ts'), JSON.stringify({ path: devicePath, count, seed, baud })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sim child exited early (${code})`)))
    child.stdout?.once('data', () => resolve())
  })
  child.removeAllListeners('exit')
  return child
}

export async function killChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill(signal)
  await exited
}

export { until }

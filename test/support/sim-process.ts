import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { repoRoot } from './fixtures.js'

/**
 * `spikelab sim edvs --pty --link PATH` as a real child process in its own process group, so that
 * killing the group takes socat (the pty) with it — the software equivalent of pulling the cable.
 */
export async function startSimEdvsProcess(link: string, rate = 100_000): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/spikelab.js'), 'sim', 'edvs', '--pty', '--link', link, '--rate', String(rate)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim did not start: ${err}`)), 20_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('ready on')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`sim exited with ${code}: ${err}`)))
  })
  return child
}

export function unplug(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL')
  } catch {
    // already gone
  }
}

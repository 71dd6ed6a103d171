/**
 * A pseudo-terminal pair made by socat, for running a simulated device as a separate process: the
 * simulator opens one end, the app (or any serial tool) opens the other as if hardware were there.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { SpikelabError } from '../../common/errors.js'

export interface PtyPair {
  /** The end the simulated device opens. */
  readonly devicePath: string
  /** The end to give to Spikelab (Devices → connect) or another program. */
  readonly hostPath: string
  close(): void
}

export async function createPtyPair(name: string, hostLink?: string): Promise<PtyPair> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-pty-'))
  const devicePath = path.join(dir, `${name}-device`)
  const hostPath = hostLink ?? path.join(dir, name)
  let socat: ChildProcess
  try {
    socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${hostPath}`], { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    throw new SpikelabError('socat-missing', `could not start socat (install it: apt-get install socat): ${(err as Error).message}`)
  }
  let stderr = ''
  socat.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  await new Promise<void>((resolve, reject) => {
    const started = Date.now()
    socat.once('error', (err) => reject(new SpikelabError('socat-missing', `could not start socat (install it: apt-get install socat): ${err.message}`)))
    const poll = setInterval(() => {
      if (existsSync(devicePath) && existsSync(hostPath)) {
        clearInterval(poll)
        resolve()
      } else if (socat.exitCode !== null || Date.now() - started > 5000) {
        clearInterval(poll)
        reject(new SpikelabError('pty-failed', `socat did not create the pty pair: ${stderr.trim() || 'timed out'}`))
      }
    }, 20)
  })
  return {
    devicePath,
    hostPath,
    close: () => {
      socat.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

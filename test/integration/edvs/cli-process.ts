import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { repoRoot } from '../../support/fixtures.js'

/** A `spikelab …` child process (the built CLI) with its output collected line by line. */
export interface CliProcess {
  readonly child: ChildProcess
  readonly stdout: string[]
  readonly stderr: string[]
  /** Resolves with the first line (stdout or stderr) matching `re`. */
  waitFor(re: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray>
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>
  /** Kills the whole process group (for the simulator: the node process and its socat pty). */
  killGroup(signal?: NodeJS.Signals): void
}

export function startCli(args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/spikelab.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  const stdout: string[] = []
  const stderr: string[] = []
  const waiters = new Set<() => void>()
  const collect = (into: string[]) => {
    let rest = ''
    return (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n')
      rest = parts.pop() ?? ''
      into.push(...parts)
      for (const w of waiters) w()
    }
  }
  child.stdout!.on('data', collect(stdout))
  child.stderr!.on('data', collect(stderr))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const find = (re: RegExp) => {
    for (const line of [...stdout, ...stderr]) {
      const m = re.exec(line)
      if (m) return m
    }
    return null
  }
  return {
    child,
    stdout,
    stderr,
    exited,
    waitFor(re, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = find(re)
          if (!m) return
          done()
          resolve(m)
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`timed out waiting for ${what}; stdout: ${stdout.slice(-5).join(' | ')}; stderr: ${stderr.slice(-5).join(' | ')}`))
        }, timeoutMs)
        const onExit = () => {
          setTimeout(() => {
            if (!find(re)) {
              done()
              reject(new Error(`process exited (${child.exitCode}) before ${what}; stderr: ${stderr.slice(-5).join(' | ')}`))
            }
          }, 50)
        }
        const done = () => {
          clearTimeout(timer)
          waiters.delete(check)
          child.off('exit', onExit)
        }
        waiters.add(check)
        child.once('exit', onExit)
        check()
      })
    },
    killGroup(signal = 'SIGKILL') {
      try {
        process.kill(-child.pid!, signal)
      } catch {
        // already gone
      }
    },
  }
}

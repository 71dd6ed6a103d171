/** `spikelab record` silence options: --silence-ms (suspect) and --lost-after-ms (hung, reopen). */
import { describe, expect, it } from 'vitest'
import { runCli } from '../../../main/cli/main.js'

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('spikelab record silence options', () => {
  it('documents both timeouts in --help', async () => {
    const r = await cli('record', '--help')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/--silence-ms N\s+silence before the link is reported suspect \(default 1000\)/)
    expect(r.out).toMatch(/--lost-after-ms N silence after which the sensor counts as hung: the port is reopened/)
  })

  it('refuses a lost timeout shorter than the silence before suspect, and a bad number, with exit 2', async () => {
    const shorter = await cli('record', '--sim', '--out', '/tmp/never.aedat4', '--silence-ms', '2000', '--lost-after-ms', '1500')
    expect(shorter.code).toBe(2)
    expect(shorter.err).toContain("--lost-after-ms must be an integer from 2000 (the silence before suspect) to 600000, got '1500'")
    const defaultSilence = await cli('record', '--sim', '--out', '/tmp/never.aedat4', '--lost-after-ms', '900')
    expect(defaultSilence.code).toBe(2)
    expect(defaultSilence.err).toContain('from 1000 (the silence before suspect)')
    const junk = await cli('record', '--sim', '--out', '/tmp/never.aedat4', '--lost-after-ms', 'soon')
    expect(junk.code).toBe(2)
    expect(junk.err).toContain("got 'soon'")
  })
})

/** `spikelab train --method ide --arch conv`: the conv variant of IDE through the CLI, the worker and the lab catalog. */
import { mkdtempSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { TrainingRun } from '../../../common/contract/schemas.js'
import { runCli } from '../../../main/cli/main.js'

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('spikelab train --method ide --arch conv', () => {
  it('trains the 64C5s-shaped net with 4 channels for one epoch and saves its weights and buffers', async () => {
    const lab = mkdtempSync(path.join(os.tmpdir(), 'spikelab-ide-conv-cli-'))
    const r = await cli('train', '--method', 'ide', '--arch', 'conv', '--channels', '4', '--epochs', '1', '--steps', '5', '--batch', '32',
      '--train', '64', '--test', '10', '--backend', 'wasm', '--lab', lab, '--json')
    expect(r.code, r.err).toBe(0)
    const run = JSON.parse(r.out) as TrainingRun
    expect(run.state).toBe('done')
    expect(run.config).toMatchObject({ method: 'ide', architecture: 'conv', channels: 4 })
    // Conv 1→4 k5 (100) + BN γ, β (4 + 4) + feedback Conv 4→4 k5 (400) + g (1) + FC 14·14·4→10 (7840 + 10),
    // buffers: power-iteration u (100), v (4), BN running mean and variance (4 + 4); float32
    expect(statSync(path.join(run.folder, 'weights.bin')).size).toBe((100 + 8 + 400 + 1 + 7850 + 104 + 8) * 4)
  }, 120_000)

  it('names a bad --arch', async () => {
    const lab = mkdtempSync(path.join(os.tmpdir(), 'spikelab-ide-conv-cli-'))
    const r = await cli('train', '--method', 'ide', '--arch', 'resnet', '--lab', lab)
    expect(r.code).not.toBe(0)
    expect(r.err).toMatch(/--arch/)
  })
})

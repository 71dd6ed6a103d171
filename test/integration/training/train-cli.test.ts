/** `spikelab train`: a tiny run through the worker into the lab folder and its catalog. */
import { existsSync, mkdtempSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { TrainingRun } from '../../../common/contract/schemas.js'
import { runCli } from '../../../main/cli/main.js'
import { ModelStore } from '../../../main/lab/training/model-store.js'

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('spikelab train', () => {
  it('trains a 784-8-10 BPTT network for one epoch and records the run in the lab catalog', async () => {
    const lab = mkdtempSync(path.join(os.tmpdir(), 'spikelab-train-cli-'))
    const r = await cli('train', '--epochs', '1', '--hidden', '8', '--steps', '4', '--batch', '50', '--train', '100', '--test', '50', '--backend', 'cpu', '--lab', lab, '--json')
    expect(r.code, r.err).toBe(0)
    expect(r.err).toMatch(/backend: cpu/)
    expect(r.err).toMatch(/epoch 1: loss \d/)
    const run = JSON.parse(r.out) as TrainingRun
    expect(run.state).toBe('done')
    expect(run.config).toMatchObject({ method: 'bptt', hidden: 8, steps: 4, trainCount: 100, testCount: 50 })
    // 784×8 + 8 + 8×10 + 10 float32 parameters
    expect(statSync(path.join(run.folder, 'weights.bin')).size).toBe((784 * 8 + 8 + 8 * 10 + 10) * 4)
    const models = new ModelStore(path.join(lab, 'catalog.sqlite'))
    try {
      expect(models.get(run.id)?.run.state).toBe('done')
      expect(models.get(run.id)?.checkpoint?.epoch).toBe(1)
    } finally {
      models.close()
    }
  }, 120_000)

  it('names the flag that is out of range and starts nothing', async () => {
    const lab = mkdtempSync(path.join(os.tmpdir(), 'spikelab-train-cli-'))
    const r = await cli('train', '--epochs', '0', '--lab', lab)
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/--epochs/)
    expect(existsSync(path.join(lab, 'models'))).toBe(false)
    const unknown = await cli('train', '--method', 'hebbian', '--lab', lab)
    expect(unknown.code).toBe(2)
    expect(unknown.err).toMatch(/--method/)
    const drops = await cli('train', '--method', 'coarse', '--lr-drops', '3,x', '--lab', lab)
    expect(drops.code).toBe(2)
    expect(drops.err).toMatch(/--lr-drops/)
    const gamma = await cli('train', '--method', 'coarse', '--lr-gamma', '2', '--lab', lab)
    expect(gamma.code).toBe(2)
    expect(gamma.err).toMatch(/--lr-gamma/)
    const readout = await cli('train', '--method', 'coarse', '--readout', 'first-spike', '--lab', lab)
    expect(readout.code).toBe(2)
    expect(readout.err).toMatch(/--readout/)
    const initRate = await cli('train', '--method', 'coarse', '--init-rate', '0.9', '--lab', lab)
    expect(initRate.code).toBe(2)
    expect(initRate.err).toMatch(/--init-rate/)
    expect(existsSync(path.join(lab, 'models'))).toBe(false)
  })
})

/** Every registered method's defaults, in the form's terms, pass the contract and its own validation. */
import { describe, expect, it } from 'vitest'
import { TrainingConfig } from '../../../common/contract/schemas.js'
import { methodDefaults, toMethodConfig } from '../../../main/lab/training/training-service.js'
import { trainingMethod, trainingMethods } from '../../../main/snn/index.js'

describe('training methods offered to the form', () => {
  it('lists BPTT, coarse LIF, IDE and VDIB', () => {
    expect(trainingMethods().map((m) => m.id).sort()).toEqual(['bptt', 'coarse', 'ide', 'vdib'])
  })

  for (const id of ['bptt', 'coarse', 'ide', 'vdib'] as const) {
    it(`${id}: the defaults are a valid TrainingConfig and configure the method without error`, () => {
      const defaults = methodDefaults(id)
      expect(TrainingConfig.parse(defaults)).toEqual(defaults)
      const { method, config } = toMethodConfig(defaults)
      expect(method).toBe(id)
      expect(() => trainingMethod(method).configure(config)).not.toThrow()
    })
  }

  it('the coarse LIF reads β as its per-interval decay e^(−1/τ)', () => {
    const { config } = toMethodConfig({ ...methodDefaults('coarse'), beta: Math.exp(-1 / 2) })
    const c = trainingMethod('coarse').configure(config) as { tau1: number; tau2: number }
    expect(c.tau1).toBeCloseTo(2, 12)
    expect(c.tau2).toBeCloseTo(2, 12)
  })
})

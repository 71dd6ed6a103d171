/** Every registered method's defaults, in the form's terms, pass the contract and its own validation. */
import { describe, expect, it } from 'vitest'
import { TrainingConfig } from '../../../common/contract/schemas.js'
import { methodDefaults, toMethodConfig } from '../../../main/lab/training/training-service.js'
import { COARSE_DEFAULTS, trainingMethod, trainingMethods } from '../../../main/snn/index.js'

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

  it.each(['coarse', 'ide'] as const)('%s: the form\'s learning-rate drops reach the method as its step schedule', (id) => {
    const { config } = toMethodConfig({ ...methodDefaults(id), learningRateDrops: [3, 7], learningRateGamma: 0.5 })
    expect(trainingMethod(id).configure(config)).toMatchObject({ learningRateMilestones: [3, 7], learningRateGamma: 0.5 })
  })

  it.each(['bptt', 'vdib'] as const)('%s: refuses learning-rate drops instead of ignoring them', (id) => {
    expect(() => toMethodConfig({ ...methodDefaults(id), learningRateDrops: [3] })).toThrow(
      expect.objectContaining({ code: 'SNN_BAD_CONFIG', location: expect.objectContaining({ field: 'learningRateDrops' }) }),
    )
  })

  it('coarse: the form\'s digit shift reaches the method', () => {
    const { config } = toMethodConfig({ ...methodDefaults('coarse'), augmentShift: 2 })
    expect(trainingMethod('coarse').configure(config)).toMatchObject({ augmentShift: 2 })
  })

  it("coarse: the form's read-out reaches the method, and its default is the method's", () => {
    expect(methodDefaults('coarse').readout).toBe(COARSE_DEFAULTS.readout)
    const { config } = toMethodConfig({ ...methodDefaults('coarse'), readout: 'count' })
    expect(trainingMethod('coarse').configure(config)).toMatchObject({ readout: 'count' })
  })

  it("coarse: the form's start rate reaches the method; off unless asked for", () => {
    expect(methodDefaults('coarse').initFiringRate).toBe(0)
    const { config } = toMethodConfig({ ...methodDefaults('coarse'), initFiringRate: 0.1 })
    expect(trainingMethod('coarse').configure(config)).toMatchObject({ initFiringRate: 0.1 })
  })
})

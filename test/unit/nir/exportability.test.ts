import { describe, expect, it } from 'vitest'
import { nirExportability } from '../../../main/nir/index.js'

describe('nirExportability', () => {
  it('says which methods NIR can carry, with reasons tied to NIR primitives (nir.md §2–3, snn-methods.md)', () => {
    const bptt = nirExportability('bptt')
    expect(bptt.level).toBe('approximate')
    expect(bptt.reasons.join(' ')).toMatch(/reset by subtraction/)
    expect(bptt.reasons.join(' ')).toMatch(/Max pooling/)
    expect(nirExportability('coarse').level).toBe('approximate')
    const ide = nirExportability('ide')
    expect(ide.level).toBe('approximate')
    expect(ide.reasons.join(' ')).toMatch(/loop/)
    const vdib = nirExportability('vdib')
    expect(vdib.level).toBe('none')
    expect(vdib.reasons.join(' ')).toMatch(/stochastic/)
    expect(vdib.reasons.join(' ')).toMatch(/ANN/)
  })
})

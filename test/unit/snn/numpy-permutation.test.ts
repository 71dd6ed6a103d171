/**
 * The BPTT split must be NumPy's `default_rng(0).permutation(10000)` (performance-anchors.md §3.2),
 * so our accuracy is measured on the reference run's 2,000 test digits. Expected values were
 * produced by NumPy 2.4.6 (`python3 -c "import numpy as np; ..."`), the calls quoted by each case.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { NumpyPcg64, numpyPermutation } from '../../../main/snn/data/numpy-permutation.js'

describe('NumPy-compatible default_rng', () => {
  it('draws the same doubles as default_rng(seed).random()', () => {
    expect(new NumpyPcg64(0).random()).toBe(0.6369616873214543)
    expect(new NumpyPcg64(42).random()).toBe(0.7739560485559633)
    // a seed of two 32-bit words: np.random.default_rng(2**53 - 1).random(3)
    const big = new NumpyPcg64(2 ** 53 - 1)
    expect([big.random(), big.random(), big.random()]).toEqual([0.7862681066761149, 0.6063032385025929, 0.5376094823800641])
  })

  it('permutes as default_rng(seed).permutation(n)', () => {
    expect(Array.from(numpyPermutation(0, 10))).toEqual([4, 6, 2, 7, 3, 5, 9, 0, 8, 1])
    expect(Array.from(numpyPermutation(123456789012, 20))).toEqual([3, 16, 15, 0, 11, 12, 17, 9, 13, 14, 5, 10, 19, 1, 4, 6, 7, 8, 2, 18])
    expect(Array.from(numpyPermutation(7, 8000).subarray(0, 10))).toEqual([3833, 7930, 4443, 6206, 1534, 2731, 16, 2453, 5382, 3890])
  })

  it('gives the reference split of the 10,000 digits (seed 0)', () => {
    const perm = numpyPermutation(0, 10_000)
    expect(Array.from(perm.subarray(0, 12))).toEqual([3577, 8925, 1634, 485, 4753, 726, 9505, 3650, 4703, 9428, 3939, 2286])
    // sha256(p.astype('<u4').tobytes()) of the whole permutation
    expect(createHash('sha256').update(perm).digest('hex')).toBe('0fd0fdb02af559e5a75f6931bfedb0cce72e7059c98d2854a14b814fa5032cf0')
  })
})

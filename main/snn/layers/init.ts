import type { SeededRandom } from '../random.js'

/**
 * PyTorch's default init for Linear and Conv2d (kaiming-uniform with a = √5, which reduces to
 * U(−1/√fanIn, 1/√fanIn)) for weights and biases, so results are comparable with snnTorch runs.
 */
export function uniformFanIn(size: number, fanIn: number, rng: SeededRandom): Float32Array {
  const bound = 1 / Math.sqrt(fanIn)
  const values = new Float32Array(size)
  for (let i = 0; i < size; i++) values[i] = rng.uniform(-bound, bound)
  return values
}

/**
 * A trained spiking network in floating point, independent of how it was trained or where it came
 * from. It is the meeting point of three roads: a training checkpoint becomes one
 * (`floatNetworkFromCheckpoint`), a NIR graph imports into one (`main/nir/`), and the compiler
 * quantizes one for the board's RP1 profile (`main/deploy/compile.ts`). NIR export writes one.
 *
 * Semantics are discrete-time, one step of `dtSeconds` per tick, snnTorch `Leaky` style (see
 * `main/snn/README.md`): for a `lif` layer with input current I[t] (the output of the layers before it
 * in the same step, plus its own recurrent term from step t−1),
 *
 *   U[t] = β·U[t−1] + I[t] − R[t]·θ     (reset 'subtract')   or   β·(1 − R[t])·U[t−1] + I[t]  ('zero')
 *   S[t] = U[t] > θ                     R[t] = S[t−1]
 *
 * Tensors are channels-last (our training layout): images [H, W, C], conv filters [kH, kW, Cin, Cout]
 * (HWIO), dense weights [in, out] row-major, and `flatten` of [H, W, C] is row-major over (h, w, c).
 * Importers from channels-first formats (NIR, PyTorch) transpose on the way in.
 */

export type FloatLayer =
  | {
      readonly kind: 'dense'
      readonly inFeatures: number
      readonly outFeatures: number
      /** [inFeatures, outFeatures], row-major. */
      readonly weight: Float32Array
      /** [outFeatures], or null for none. */
      readonly bias: Float32Array | null
    }
  | {
      readonly kind: 'conv2d'
      /** [H, W, Cin] of the input. */
      readonly inShape: readonly [number, number, number]
      readonly filters: number
      readonly kernel: readonly [number, number]
      readonly stride: readonly [number, number]
      /** Zero padding added on each side, [top/bottom, left/right]. */
      readonly padding: readonly [number, number]
      /** [kH, kW, Cin, Cout] (HWIO). */
      readonly weight: Float32Array
      readonly bias: Float32Array | null
    }
  | {
      readonly kind: 'pool'
      readonly mode: 'sum' | 'avg' | 'max'
      readonly inShape: readonly [number, number, number]
      readonly window: readonly [number, number]
      readonly stride: readonly [number, number]
      readonly padding: readonly [number, number]
    }
  | { readonly kind: 'flatten'; readonly inShape: readonly number[] }
  /** Element-wise y = s ⊙ x (NIR Scale). */
  | { readonly kind: 'scale'; readonly scale: Float32Array }
  | {
      readonly kind: 'lif'
      readonly size: number
      /** Per-neuron decay β in [0, 1]; β = 1 is an integrate-and-fire neuron. */
      readonly beta: Float32Array
      /** Per-neuron threshold θ > 0. */
      readonly threshold: Float32Array
      readonly reset: 'subtract' | 'zero'
      /** Optional recurrent weights [size, size] (from neuron j at t−1, row j, to neuron i, column i). */
      readonly recurrent?: Float32Array
    }

export interface FloatNetwork {
  /** Input shape without the batch: [n] or [H, W, C]. */
  readonly inputShape: readonly number[]
  /** Simulation step, seconds (1 ms unless the source says otherwise). */
  readonly dtSeconds: number
  /** Layers in order; the last one is a `lif` whose neurons are the outputs. */
  readonly layers: readonly FloatLayer[]
  /** Label per output neuron, when the network classifies. */
  readonly labels?: readonly string[]
  /** Where it came from, for the record ("checkpoint <run id>", "nir <file>"). */
  readonly source: string
  /** What an importer or converter had to approximate, in words a user can act on. */
  readonly warnings: readonly string[]
}

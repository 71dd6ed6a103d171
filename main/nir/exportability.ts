/**
 * Which training methods' networks NIR can carry, and why not (nir.md §3, §6; snn-methods.md A–D).
 * NIR has binary spikes, reset to v_reset with `>`, Euler-free continuous neurons, and only the
 * primitives of nir.md §2: no max pooling, no transposed convolution, no stochastic neurons, no
 * non-spiking nonlinearities (ReLU, sigmoid) and no reset by subtraction.
 */
import type { MethodId } from '../snn/methods/run-types.js'

export interface NirExportability {
  readonly method: MethodId
  /** 'exact': same spikes after import; 'approximate': exportable, behaviour differs as `reasons` say; 'none': cannot be written. */
  readonly level: 'exact' | 'approximate' | 'none'
  readonly reasons: readonly string[]
}

const TABLE: Readonly<Record<MethodId, Omit<NirExportability, 'method'>>> = {
  bptt: {
    level: 'approximate',
    reasons: [
      'Dense, Conv2d, sum/average pooling, Flatten and LIF map one to one (Affine/Linear, Conv2d, SumPool2d/AvgPool2d, Flatten, LIF); recurrent weights become an explicit Linear loop.',
      "Exact when trained with reset 'zero': NIR's reset to v_reset = 0 then gives the same spikes as snnTorch's delayed zero reset.",
      "The default reset by subtraction has no NIR primitive: it is written as reset to zero with a warning, and other tools will simulate it that way (nir.md §5.2).",
      'Max pooling cannot be exported: NIR has no MaxPool primitive.',
    ],
  },
  coarse: {
    level: 'approximate',
    reasons: [
      "The coarse-scale neuron v[n+1] = (1 − s)(a·v + b·x) + s·c·x integrates a different fraction (c instead of b) of the input in the interval after a spike; NIR's LIF cannot switch its input gain after a reset, so it is written as LIF with β = a and gain b, which differs on every step that follows a spike.",
      'H(0) = 0.5 at exact threshold crossings has no NIR counterpart (NIR spikes only when v > θ).',
      'Models 4 and 5 (LeNet-5) use max pooling, which NIR cannot express; the analog-input layer of model 5 is not a spiking primitive either.',
    ],
  },
  ide: {
    level: 'approximate',
    reasons: [
      'A single feedback layer (F400, 64C5s) is expressible: the feedback weights W_s become a Linear/Conv2d loop back onto the neuron node, as NIR expresses recurrence.',
      'IDE resets by subtraction and fires on u ≥ V_th; NIR resets to v_reset and fires on v > v_threshold, so spike trains differ (nir.md §5.2–5.3).',
      'The readout is a linear classifier on average firing rates, a quantity NIR has no node for; only the spiking part is exported.',
      "AlexNet-F and CIFARNet-F close their loop through a ConvTranspose2d, which NIR lacks, and span several layers, which Spikelab's FloatNetwork (one recurrent matrix per layer) does not represent.",
    ],
  },
  vdib: {
    level: 'none',
    reasons: [
      'The readout neurons are stochastic (s ~ Bernoulli(σ(u))); NIR neurons are deterministic.',
      'Readout inputs pass through raised-cosine basis filters over 10 steps and the hidden layers through two trace filters plus a refractory trace (DECOLLE); NIR has at most one synaptic filter (CubaLIF).',
      'The decoder is an ANN (Linear → ReLU → Linear, or Conv1d) over a window of past spike vectors; NIR has no ReLU/sigmoid and no way to present a time window as features.',
    ],
  },
}

export function nirExportability(method: MethodId): NirExportability {
  return { method, ...TABLE[method] }
}

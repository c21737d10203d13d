/**
 * The model abstraction: a JSON config, a parameter tree of `tf.Variable`s and a pure `apply`.
 * @module
 */
import type { Time } from '@dale/sde';
import type * as tf from '@tensorflow/tfjs-core';
import type { ParamTree, TensorsOf } from './params.ts';

/**
 * What a network's output means (convert it to the score an SDE needs with `scoreFnFromModel`):
 * - `'hyvarinen'`: the Hyvärinen score x ∘ ∇ₓ log p_t(x) (guide: M5);
 * - `'stein'`: the Stein score ∇ₓ log p_t(x);
 * - `'noise'`: the standard normal Z that produced x_t from x₀ in the forward kernel
 *   (ε-prediction; for GBM, log x_t = log x₀ + M − S²/2 + S Z, guide: M2). Its target has unit
 *   scale at every t, which is what makes it the best-conditioned choice for training.
 */
export type Parameterisation = 'hyvarinen' | 'stein' | 'noise';

/** The parameterisations, in the order error messages list them. */
export const PARAMETERISATIONS: readonly Parameterisation[] = ['hyvarinen', 'stein', 'noise'];

/**
 * The JSON form of a model's architecture: enough to rebuild it (weights aside) with
 * `modelFromConfig`. Concrete configs add their own fields.
 */
export interface ModelConfig {
  /** The architecture, e.g. `'mlp'` (and later `'unet'`). */
  readonly kind: string;
  /** What the network predicts. */
  readonly predicts: Parameterisation;
  readonly [key: string]: unknown;
}

/**
 * A score network: a config, its weights, and a pure function of weights, input and time.
 *
 * `apply` has no hidden state: pass `model.params`, the EMA shadow weights, or any tree of
 * tensors with the same structure. It returns a new tensor of the same shape as `x` and keeps no
 * intermediate tensors.
 */
export interface Model<C extends ModelConfig = ModelConfig, P extends ParamTree = ParamTree> {
  /** The architecture (JSON-serialisable, with every default filled in). */
  readonly config: C;
  /** The trainable weights. */
  readonly params: P;
  /** What `apply` predicts (the same as `config.predicts`). */
  readonly predicts: Parameterisation;
  /** The network output for input `x` at time `t` (a number, or one number per batch element). */
  apply(params: P | TensorsOf<P>, x: tf.Tensor, t: Time): tf.Tensor;
}

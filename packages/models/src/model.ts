/**
 * The model abstraction: a JSON config, a parameter tree of `tf.Variable`s and a pure `apply`.
 * @module
 */
import type { Rng } from '@dale/core';
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
 * - `'denoiser'`: the preconditioned network F of the log-space denoiser
 *   D(y, t) = μ_d + c_skip ŷ + c_out F(c_in ŷ, c_noise) ≈ E[log X₀ | X_t] (guide: M15–M17). The
 *   network sees c_in ŷ (ŷ = log x − m(t) − μ_d) as its input and c_noise = ¼ ln S(t) as its
 *   time; `scoreFnFromModel` applies the preconditioning, which needs the config's
 *   `preconditioning` and an SDE with a log-space Gaussian kernel.
 */
export type Parameterisation = 'hyvarinen' | 'stein' | 'noise' | 'denoiser';

/** The parameterisations, in the order error messages list them. */
export const PARAMETERISATIONS: readonly Parameterisation[] = [
  'hyvarinen',
  'stein',
  'noise',
  'denoiser',
];

/** Options of a model's `apply` beyond input and time. */
export interface ApplyOptions {
  /** Generator for dropout masks (training); omit it for evaluation (no dropout). */
  readonly rng?: Rng;
  /**
   * Class labels of a class-conditional model, one per batch element; the label equal to the
   * model's class count is the "no class" label of classifier-free guidance. Omitted: every
   * element gets the "no class" label. Unconditional models ignore it.
   */
  readonly labels?: ArrayLike<number>;
}

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
  apply(params: P | TensorsOf<P>, x: tf.Tensor, t: Time, options?: ApplyOptions): tf.Tensor;
}

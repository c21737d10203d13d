/**
 * The denoising target from the forward noise itself, for families that declare a Gaussian
 * kernel: no logarithms of x_t and x₀ on the hot path, and no rounding of a recomputed residual.
 * @module
 */
import { coefficient, kernelScoreOffset, type SDE, type Time } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The kernel's score at x_t from the noise ε that drew it, where the SDE declares its kernel
 * z_t = a z₀ + b + √v ε (`sde.kernel`):
 *
 * - Stein score in ambient coordinates: ∇ log p(x_t | x₀) = −ε/√v(t);
 * - Hyvärinen score in log coordinates (z = log x): x ∘ ∇ log p(x_t | x₀) = −1 − ε/√v(t), since
 *   p_x(x) = p_z(log x)/x (guide: M6; for GBM √v = S(t)).
 *
 * Equal to `sde.conditionalScore(x_t, x₀, t)` up to float32 rounding. Returns `undefined` for
 * the other combinations (or no kernel), where the caller uses `conditionalScore`.
 */
export function conditionalScoreFromNoise(
  sde: SDE,
  noise: tf.Tensor,
  t: Time,
): tf.Tensor | undefined {
  const offset = kernelScoreOffset(sde);
  const kernel = sde.kernel;
  if (offset === undefined || !kernel) return undefined;
  return tf.tidy(() =>
    tf.sub(
      offset,
      tf.div(
        noise,
        coefficient(t, noise, (s) => Math.sqrt(kernel.variance(s))),
      ),
    ),
  );
}

import { Rng } from '@dale/core';
import { onCpu, take } from '@dale/testing';
import * as tf from '@tensorflow/tfjs-core';

export { onCpu, take };

/** Values of a tensor as float64, without disposing it. */
export function values(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

/** The largest |a_i − b_i| relative to max(|b|∞, floor). */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let scale = floor;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / scale);
  return worst;
}

/**
 * Compare autodiff gradients of a scalar function with central finite differences.
 *
 * `f` maps tensors to a scalar tensor. For each input and each of (at most) `maxPerInput`
 * elements, the central difference (f(θ + h eⱼ) − f(θ − h eⱼ)) / 2h is computed in float32 on the
 * backend and compared with the autodiff gradient: |g − fd| ≤ rtol·|g| + atol·max|g|. With f
 * smooth, the truncation error is O(h² f''') and the float32 rounding error ≈ ε·|f|/h; with
 * h = 1e-2 both sit well below rtol = 1e-2.
 */
export function checkGradients(
  f: (...inputs: tf.Tensor[]) => tf.Scalar,
  inputs: tf.Tensor[],
  options: { h?: number; rtol?: number; atol?: number; maxPerInput?: number; seed?: number } = {},
): { checked: number; worst: number } {
  const { h = 1e-2, rtol = 1e-2, atol = 1e-3, maxPerInput = 40, seed = 0 } = options;
  const grads = tf.grads(f)(inputs);
  const rng = Rng.fromSeed(seed);
  let checked = 0;
  let worst = 0;
  inputs.forEach((input, k) => {
    const g = take(grads[k]!);
    const base = input.dataSync().slice();
    let gMax = 0;
    for (const v of g) gMax = Math.max(gMax, Math.abs(v));
    if (!(gMax > 0)) throw new Error(`input ${k}: the gradient is identically zero`);
    const picks =
      base.length <= maxPerInput
        ? Array.from(base.keys())
        : Array.from(rng.permutation(base.length).slice(0, maxPerInput));
    for (const j of picks) {
      const evaluate = (delta: number) => {
        const shifted = base.slice();
        shifted[j] = base[j]! + delta;
        return tf.tidy(() => {
          const args = inputs.map((x, i) => (i === k ? tf.tensor(shifted, x.shape) : x));
          return f(...args).dataSync()[0]!;
        });
      };
      const fd = (evaluate(h) - evaluate(-h)) / (2 * h);
      const err = Math.abs(g[j]! - fd);
      const allowed = rtol * Math.abs(g[j]!) + atol * gMax;
      worst = Math.max(worst, err / allowed);
      if (err > allowed) {
        throw new Error(
          `input ${k}, element ${j}: autodiff ${g[j]} vs finite difference ${fd} (|Δ| = ${err} > ${allowed})`,
        );
      }
      checked += 1;
    }
  });
  return { checked, worst };
}

/** A fixed float32 tensor of normal draws (for test inputs). */
export function normalTensor(seed: number, shape: number[], mean = 0, std = 1): tf.Tensor {
  return tf.tensor(
    Rng.fromSeed(seed).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), mean, std),
    shape,
  );
}

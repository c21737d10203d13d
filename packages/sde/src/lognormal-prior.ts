import { DaleError, type Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A log-normal prior x = exp(m + s z), z ~ N(0, I), with one (m, s) per channel (the last axis,
 * NHWC) or one pair for all elements.
 */
export interface LogNormalPrior {
  /** Mean of log x, per channel or one value. */
  readonly m: number | readonly number[];
  /** Standard deviation of log x (> 0), per channel or one value. */
  readonly s: number | readonly number[];
}

/**
 * The reference implementation's priors fitted to the noised data at t = T (σ = 0.8, μ = 0.32,
 * data x + 1); see the guide's "reference constants".
 */
export const REFERENCE_PRIORS = {
  mnist: { m: 0.156517, s: 0.835278 },
  'fashion-mnist': { m: 0.277126, s: 0.842829 },
  kmnist: { m: 0.214017, s: 0.829043 },
  cifar10: { m: [0.4075, 0.3785, 0.3693], s: [0.8016, 0.8004, 0.8005] },
} as const satisfies Record<string, LogNormalPrior>;

function asArray(v: number | readonly number[]): number[] {
  return typeof v === 'number' ? [v] : [...v];
}

/** Validate a prior and return its per-channel arrays (equal length). */
export function checkPrior(prior: LogNormalPrior): { m: number[]; s: number[] } {
  const m = asArray(prior.m);
  const s = asArray(prior.s);
  if (m.length === 0 || m.length !== s.length) {
    throw new DaleError(
      'invalid-prior',
      `log-normal prior: m and s need the same non-zero length, got ${m.length} and ${s.length}`,
    );
  }
  if (m.some((v) => !Number.isFinite(v)))
    throw new DaleError('invalid-prior', `log-normal prior: m must be finite, got [${m}]`);
  if (s.some((v) => !(v > 0 && Number.isFinite(v)))) {
    throw new DaleError('invalid-prior', `log-normal prior: s must be finite and > 0, got [${s}]`);
  }
  return { m, s };
}

function channelTensor(values: number[], shape: readonly number[]): tf.Tensor {
  if (values.length === 1) return tf.scalar(values[0]!);
  const channels = shape[shape.length - 1];
  if (channels !== values.length) {
    throw new DaleError(
      'invalid-prior',
      `log-normal prior has ${values.length} channels but the data's last axis has ${channels} (shape [${shape.join(', ')}])`,
    );
  }
  return tf.tensor1d(values);
}

/** Draw x = exp(m + s z) of the given shape. */
export function sampleLogNormal(
  prior: LogNormalPrior,
  shape: readonly number[],
  rng: Rng,
): tf.Tensor {
  const { m, s } = checkPrior(prior);
  const n = shape.reduce((a, b) => a * b, 1);
  const z = rng.fillNormal(new Float32Array(n));
  return tf.tidy(() => {
    const logX = tf.add(
      channelTensor(m, shape),
      tf.mul(channelTensor(s, shape), tf.tensor(z, [...shape])),
    );
    return tf.exp(logX);
  });
}

/** log p(x) of the log-normal prior, summed over all axes but the first. */
export function logNormalLogProb(prior: LogNormalPrior, x: tf.Tensor): tf.Tensor1D {
  const { m, s } = checkPrior(prior);
  return tf.tidy(() => {
    const logX = tf.log(x);
    const mT = channelTensor(m, x.shape);
    const sT = channelTensor(s, x.shape);
    const zT = tf.div(tf.sub(logX, mT), sT);
    // log p(x) = −log x − log s − ½ log 2π − ½ z²
    const elementwise = tf.neg(
      tf.addN([
        logX,
        tf.log(sT).broadcastTo(x.shape),
        tf.mul(0.5, tf.square(zT)),
        tf.fill(x.shape, 0.5 * Math.log(2 * Math.PI)),
      ]),
    );
    const axes = [...Array(x.rank).keys()].slice(1);
    return (axes.length ? tf.sum(elementwise, axes) : elementwise) as tf.Tensor1D;
  });
}

/**
 * Fit a per-channel log-normal prior to samples (e.g. training data noised to t = T), as the
 * reference implementation does: m and s are the mean and standard deviation of log x per channel.
 */
export function fitLogNormalPrior(samples: tf.Tensor, perChannel = true): LogNormalPrior {
  const stats = tf.tidy(() => {
    const logX = tf.log(samples);
    const flat = perChannel
      ? logX.reshape([-1, samples.shape[samples.rank - 1]!])
      : logX.reshape([-1, 1]);
    const { mean, variance } = tf.moments(flat, 0);
    return [mean.dataSync(), tf.sqrt(variance).dataSync()] as const;
  });
  const m = Array.from(stats[0]);
  const s = Array.from(stats[1]);
  return m.length === 1 ? { m: m[0]!, s: s[0]! } : { m, s };
}

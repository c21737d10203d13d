/**
 * Statistics of noised data: the fitted log-normal prior and the class-average start of the
 * reference sampler (guide: §7).
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import { fitLogNormalPrior, gbm, type LogNormalPrior, type SDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { type PositivityTransform, shiftTransform } from '../transforms/positivity.ts';
import type { ImageDataset } from './image-dataset.ts';

/** Options of {@link fitNoisedPrior}. */
export interface NoisedPriorOptions {
  /** Draws the noise (and the dequantization noise of a stochastic transform). */
  readonly rng: Rng;
  /** The forward SDE; default `gbm()` (σ = 0.8, μ = 0.32, T = 1). */
  readonly sde?: SDE;
  /** The positivity transform applied first; default x + 1. */
  readonly transform?: PositivityTransform;
  /** Noise level; default the SDE's final time T. */
  readonly t?: number;
  /** Examples per chunk (memory vs. speed); default 1000. */
  readonly batchSize?: number;
  /** One (m, s) per channel (default) or one pair for all values. */
  readonly perChannel?: boolean;
}

/**
 * Fit the log-normal prior x_T = exp(m + s z) to the noised data (guide: §7): map every image
 * with the positivity transform, noise it to time t with `sde.sampleMarginal` (guide: M2), fit
 * with `fitLogNormalPrior` per chunk and pool the chunks' moments exactly
 * (m = Σ nᵢmᵢ / n, s² = Σ nᵢ(sᵢ² + mᵢ²)/n − m²).
 *
 * @returns per-channel arrays, or numbers for one channel (as `fitLogNormalPrior`).
 */
export function fitNoisedPrior(dataset: ImageDataset, options: NoisedPriorOptions): LogNormalPrior {
  const sde = options.sde ?? gbm();
  const transform = options.transform ?? shiftTransform(1);
  const t = options.t ?? sde.T;
  const batchSize = options.batchSize ?? 1000;
  const perChannel = options.perChannel ?? true;
  const channels = perChannel ? dataset.channels : 1;
  const sum = new Float64Array(channels);
  const sumSquares = new Float64Array(channels);
  let total = 0;
  for (const batch of dataset.epoch({ batchSize })) {
    const n = batch.indices.length;
    const x0 = transform.forward(batch.images, options.rng);
    const { xt, noise } = sde.sampleMarginal(x0, t, options.rng);
    const fit = fitLogNormalPrior(xt, perChannel);
    tf.dispose(noise ? [x0, xt, noise] : [x0, xt]);
    batch.dispose();
    const m = typeof fit.m === 'number' ? [fit.m] : fit.m;
    const s = typeof fit.s === 'number' ? [fit.s] : fit.s;
    for (let c = 0; c < channels; c++) {
      sum[c]! += n * m[c]!;
      sumSquares[c]! += n * (s[c]! ** 2 + m[c]! ** 2);
    }
    total += n;
  }
  const m = Array.from(sum, (v) => v / total);
  const s = Array.from(sumSquares, (v, c) => Math.sqrt(Math.max(0, v / total - m[c]! ** 2)));
  return channels === 1 ? { m: m[0]!, s: s[0]! } : { m, s };
}

/** Options of {@link classAverageStart}. */
export interface ClassAverageStartOptions {
  /** One class label per image to start from. */
  readonly labels: ArrayLike<number>;
  /** Draws the noise. */
  readonly rng: Rng;
  /** The forward SDE; default `gbm()`. */
  readonly sde?: SDE;
  /** The positivity transform; default x + 1. */
  readonly transform?: PositivityTransform;
  /** Noise level; default step k = 999 of N = 1000, t = 0.999 T. */
  readonly t?: number;
}

/**
 * The reference sampler's alternative start (guide: §7): the average image of each requested
 * class, mapped by the positivity transform and noised to t (default k = 999 of 1000):
 * [B, H, W, C], one image per entry of `labels`.
 */
export function classAverageStart(
  dataset: ImageDataset,
  options: ClassAverageStartOptions,
): tf.Tensor4D {
  const sde = options.sde ?? gbm();
  const transform = options.transform ?? shiftTransform(1);
  const t = options.t ?? (999 / 1000) * sde.T;
  const labels = Array.from(options.labels);
  if (labels.length === 0)
    throw new DaleError('invalid-class', 'classAverageStart needs at least one label');
  const classes = [...new Set(labels)];
  const averages = dataset.classAverages(classes);
  const x0 = tf.tidy(() =>
    transform.forward(
      tf.gather(
        averages,
        labels.map((l) => classes.indexOf(l)),
      ),
      options.rng,
    ),
  );
  averages.dispose();
  const { xt, noise } = sde.sampleMarginal(x0, t, options.rng);
  tf.dispose(noise ? [x0, noise] : [x0]);
  return xt as tf.Tensor4D;
}

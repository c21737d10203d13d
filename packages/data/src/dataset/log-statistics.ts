/**
 * Statistics of the log data y = log T(x) that choose a wide-horizon GBM recipe: σ_data for the
 * preconditioned denoiser and the horizon S(T) at which the fitted isotropic prior is close to
 * the true t = T marginal (guide: §9).
 * @module
 */
import { DaleError } from '@dale/core';
import type { PositivityTransform } from '../transforms/positivity.ts';
import type { ImageDataset } from './image-dataset.ts';

/** Per-pixel and pooled moments of the log data. */
export interface LogDataStatistics {
  /** Examples the moments were taken over. */
  readonly count: number;
  /** Mean of log T(x) over every pixel of every example. */
  readonly mean: number;
  /** Standard deviation of log T(x) about {@link mean}, over every pixel of every example: σ_data. */
  readonly std: number;
  /** Mean of log T(x) at each pixel (HWC order). */
  readonly pixelMeans: Float64Array;
  /** Variance of log T(x) at each pixel across examples. */
  readonly pixelVariances: Float64Array;
}

/**
 * Moments of y = log T(x) over `dataset` with the positivity transform `transform` (evaluated
 * on the host in double precision; a deterministic transform is assumed, such as x + 1).
 */
export function logDataStatistics(
  dataset: ImageDataset,
  transform: PositivityTransform,
): LogDataStatistics {
  const config = transform.toJSON() as { kind?: string; c?: number; a?: number; b?: number };
  const toLog = transformOnHost(config);
  const [h, w, c] = dataset.shape;
  const d = h * w * c;
  const sum = new Float64Array(d);
  const sumSquares = new Float64Array(d);
  const chunk = 1000;
  for (let start = 0; start < dataset.size; start += chunk) {
    const indices = Array.from(
      { length: Math.min(chunk, dataset.size - start) },
      (_, i) => start + i,
    );
    const values = dataset.values(indices);
    for (let n = 0; n < indices.length; n++) {
      for (let i = 0; i < d; i++) {
        const y = toLog(values[n * d + i]!);
        sum[i]! += y;
        sumSquares[i]! += y * y;
      }
    }
  }
  const count = dataset.size;
  const pixelMeans = new Float64Array(d);
  const pixelVariances = new Float64Array(d);
  let total = 0;
  let totalSquares = 0;
  for (let i = 0; i < d; i++) {
    pixelMeans[i] = sum[i]! / count;
    pixelVariances[i] = Math.max(0, sumSquares[i]! / count - pixelMeans[i]! ** 2);
    total += sum[i]!;
    totalSquares += sumSquares[i]!;
  }
  const mean = total / (count * d);
  const std = Math.sqrt(Math.max(0, totalSquares / (count * d) - mean * mean));
  return { count, mean, std, pixelMeans, pixelVariances };
}

function transformOnHost(config: { kind?: string; c?: number; a?: number; b?: number }) {
  if (config.kind === 'shift' && typeof config.c === 'number') {
    const c = config.c;
    return (x: number) => Math.log(x + c);
  }
  if (config.kind === 'affine' && typeof config.a === 'number' && typeof config.b === 'number') {
    const { a, b } = config;
    return (x: number) => Math.log(a + (b - a) * x);
  }
  throw new DaleError(
    'unsupported-transform',
    `logDataStatistics: needs a deterministic shift or affine positivity transform, got ${JSON.stringify(config)}`,
  );
}

/**
 * KL divergence, in nats per example, of the moment-matched Gaussian of the true t = T marginal in
 * log space, N(μ + m, diag(v) + S² I), from the isotropic prior fitted to it (one mean and one
 * variance pooled over all pixels, as `fitNoisedPrior` fits): ½ Σᵢ ln(s² / (vᵢ + S²)), where
 * s² = mean(v) + var(μ) + S². It counts the per-pixel means and variances (the guide's §9 figure
 * adds the pixel correlations, which fall away faster as S grows).
 */
export function priorMismatchNats(stats: LogDataStatistics, level: number): number {
  const { pixelMeans, pixelVariances } = stats;
  const d = pixelMeans.length;
  let meanOfMeans = 0;
  let meanOfVariances = 0;
  for (let i = 0; i < d; i++) {
    meanOfMeans += pixelMeans[i]! / d;
    meanOfVariances += pixelVariances[i]! / d;
  }
  let spread = 0;
  for (let i = 0; i < d; i++) spread += (pixelMeans[i]! - meanOfMeans) ** 2 / d;
  const s2 = meanOfVariances + spread + level * level;
  let kl = 0;
  for (let i = 0; i < d; i++) kl += 0.5 * Math.log(s2 / (pixelVariances[i]! + level * level));
  return kl;
}

/**
 * The smallest horizon S(T) at which {@link priorMismatchNats} is at most `nats` (default 0.1
 * nats per example), rounded up to two significant digits: the noise level a wide-horizon GBM
 * needs so that a chain started from the fitted log-normal prior starts where the data's
 * marginal is.
 */
export function wideHorizon(stats: LogDataStatistics, nats = 0.1): number {
  if (!(nats > 0)) {
    throw new DaleError('invalid-horizon', `wideHorizon: nats must be > 0, got ${nats}`);
  }
  let lo = 1e-3;
  let hi = 1e3;
  if (priorMismatchNats(stats, lo) <= nats) return lo;
  for (let i = 0; i < 100; i++) {
    const mid = Math.sqrt(lo * hi);
    if (priorMismatchNats(stats, mid) <= nats) hi = mid;
    else lo = mid;
  }
  const digits = 10 ** (Math.floor(Math.log10(hi)) - 1);
  return Number((Math.ceil(hi / digits) * digits).toPrecision(2));
}

/**
 * The wide-horizon recipe of `dale train --preset edm`: a GBM whose horizon S(T) is chosen from
 * the data, a preconditioned log-space denoiser, log-normal noise levels and the matching M-DSM
 * weighting (guide: §9, M14–M18).
 * @module
 */
import { geometricSchedule } from '@dale/core';
import {
  type ImageDataset,
  type LogDataStatistics,
  logDataStatistics,
  type PositivityTransform,
  wideHorizon,
} from '@dale/data';
import { denoiserWeighting, type LogNormalNoiseLevels, mdsmLoss } from '@dale/losses';
import type { Preconditioning } from '@dale/models';
import { GBM } from '@dale/sde';
import type { TrainingLoss } from '@dale/train';
import type * as tf from '@tensorflow/tfjs-core';

/** Smallest noise level the schedule resolves (S(t) ≈ σ_min √(2 L t) near 0). */
const SIGMA_MIN = 0.002;

/** Spread P_std of ln S in training (Karras et al. 2022). */
const NOISE_LEVEL_STD = 1.2;

/** What the recipe derives from the training data. */
export interface WideHorizonRecipe {
  /** The moments of the log data. */
  readonly statistics: LogDataStatistics;
  /** S(T), from {@link wideHorizon} (prior mismatch at most 0.1 nats per image). */
  readonly horizon: number;
  /** The GBM: geometric σ from σ_min to S(T), μ = σ²/2, and the prior fitted in closed form. */
  readonly sde: GBM;
  /** σ_d and μ_d of the log data. */
  readonly preconditioning: Preconditioning;
  /** ln S ~ N(ln(0.6 σ_d), 1.2²): EDM's P_mean = −1.2 at σ_d = 0.5, scaled to this σ_d. */
  readonly noiseLevels: LogNormalNoiseLevels;
}

/**
 * Derive the recipe from `data` under `transform`. The prior is the isotropic log-normal of the
 * t = T marginal's moments: log X_T has mean μ_d + m(T) = μ_d (μ = σ²/2 gives m ≡ 0) and variance
 * σ_d² + S(T)² (guide: M14).
 */
export function wideHorizonRecipe(
  data: ImageDataset,
  transform: PositivityTransform,
): WideHorizonRecipe {
  const statistics = logDataStatistics(data, transform);
  const horizon = wideHorizon(statistics);
  const schedule = geometricSchedule({
    sigmaMin: SIGMA_MIN,
    sigmaMax: horizon,
    mu: { sigmaSquaredRatio: 0.5 },
  });
  const S2 = schedule.sigmaSquaredIntegral(schedule.T);
  const sde = new GBM({
    schedule,
    prior: { m: statistics.mean, s: Math.sqrt(statistics.std ** 2 + S2) },
  });
  return {
    statistics,
    horizon,
    sde,
    preconditioning: { sigmaData: statistics.std, dataMean: statistics.mean },
    noiseLevels: trainingNoiseLevels(statistics.std),
  };
}

/** ln S ~ N(ln(0.6 σ_d), 1.2²): EDM's P_mean = −1.2, P_std = 1.2 at σ_d = 0.5, scaled to σ_d. */
export function trainingNoiseLevels(sigmaData: number): LogNormalNoiseLevels {
  return { mean: Math.log(0.6 * sigmaData), std: NOISE_LEVEL_STD };
}

/**
 * The recipe's loss: M-DSM with λ(t) = w(S) S⁴ (the weighted denoiser loss, guide: M18), times
 * with ln S(t) ~ N(P_mean, P_std²), averaged over pixels so that it is about 1 at the start.
 */
export function denoiserLoss(sigmaData: number, noiseLevels: LogNormalNoiseLevels): TrainingLoss {
  const weighting = denoiserWeighting(sigmaData);
  return (score, x0: tf.Tensor, { sde, rng }) =>
    mdsmLoss(score, x0, {
      sde,
      rng,
      weighting,
      timeSampling: 'log-normal',
      noiseLevels,
      reduction: 'mean',
    });
}

/**
 * `@dale/losses`: score-matching losses for multiplicative (and additive) diffusion —
 * multiplicative denoising score matching (M-DSM, guide: M12), explicit score matching against a
 * known score (M-ESM, M11), Hyvärinen's non-negative score matching (M13), standard DSM for the
 * additive VE/VP SDEs, and the loss weightings λ(t).
 * @packageDocumentation
 */
export {
  type DivergenceMethod,
  type DivergenceOptions,
  EXACT_DIVERGENCE_MAX_DIM,
  weightedDivergence,
} from './divergence.ts';
export { dsmLoss, mdsmLoss } from './dsm.ts';
export { type ESMOptions, esmLoss, mesmLoss } from './esm.ts';
export type { ScoreMatchingOptions } from './noised-batch.ts';
export {
  type NonnegativeScoreMatchingOptions,
  nonnegativeScoreMatchingLoss,
  type SteinScoreModel,
} from './nonnegative.ts';
export type { LossReduction } from './reduction.ts';
export {
  DEFAULT_EPS,
  DEFAULT_STEPS,
  type LogNormalNoiseLevels,
  sampleTimes,
  type TimeSampling,
  type TimeSamplingOptions,
} from './time-sampling.ts';
export {
  denoiserWeighting,
  LOSS_WEIGHTINGS,
  type LossWeighting,
  noiseVariance,
  resolveWeighting,
  type WeightingFn,
  type WeightingName,
} from './weighting.ts';

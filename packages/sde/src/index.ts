/**
 * `@dale/sde`: stochastic differential equations for score-based diffusion — geometric Brownian
 * motion (multiplicative), its Lamperti transform / mirror map, the additive VE and VP SDEs, and
 * the positive CIR process, all behind one {@link SDE} interface.
 * @packageDocumentation
 */
export { AdditiveSDE, type AdditiveSDEConfig, veSDE, vpSDE } from './additive.ts';
export { CIR, type CIRConfig, type CIROptions, cirSDE } from './cir.ts';
export { GBM, type GBMConfig, type GBMOptions, gbm } from './gbm.ts';
export {
  type DiffusionParts,
  DiffusionSDE,
  diffusionSquaredDerivative,
  PositiveDiffusionSDE,
  probabilityFlowODE,
  reverseSDE,
} from './generic.ts';
export { kernelScoreOffset } from './kernel-score.ts';
export {
  type LogGaussianKernel,
  logGaussianKernel,
  requireLogGaussianKernel,
} from './log-kernel.ts';
export {
  fitLogNormalPrior,
  type LogNormalPrior,
  logNormalLogProb,
  REFERENCE_PRIORS,
  sampleLogNormal,
} from './lognormal-prior.ts';
export {
  fromLatent,
  latentScoreFromHyvarinen,
  logSpaceReverse,
  logSpaceVelocity,
  type MirrorMap,
  negativeEntropy,
  toLatent,
} from './mirror.ts';
export {
  listSDEFamilies,
  registerSDEFamily,
  type SDEFactory,
  sdeFromConfig,
} from './registry.ts';
export { besselRatio, logBesselI, logGamma } from './special.ts';
export { coefficient, mapTime } from './time.ts';
export {
  type GaussianKernel,
  isPositiveSDE,
  type MarginalSample,
  type PositiveSDE,
  type Process,
  type ScoreFn,
  type ScoreKind,
  type SDE,
  type SDEConfig,
  type Time,
} from './types.ts';

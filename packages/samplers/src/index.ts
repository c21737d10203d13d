/**
 * `@dale/samplers`: samplers for multiplicative (and additive) score-based diffusion — the
 * sign-agnostic and Dale–Langevin samplers and their annealed reference variants with
 * per-dataset presets, predictor–corrector, the probability-flow ODE (Euler, Heun, RK45) and
 * Euler–Maruyama for VE/VP — plus a registry by name and the building blocks to write your own.
 *
 * A sampler is a plain function `(score, sde, options) => Promise<Tensor>`.
 * @packageDocumentation
 */
export {
  type AnnealedSamplerOptions,
  type AnnealedSchedule,
  annealedDaleLangevinSampler,
  annealedSignAgnosticSampler,
  annealedSteps,
  DEFAULT_ANNEALED_STEPS,
} from './annealed.ts';
export {
  type ChainDefinition,
  type ChainSpace,
  type ChainStep,
  gridSteps,
  runChain,
  type StepContext,
  type StepFn,
  type StepResult,
} from './chain.ts';
export { DEFAULT_DPM_SOLVER_STEPS, dpmSolverSampler } from './dpm-solver.ts';
export { eulerMaruyamaStep, eulerMaruyamaUpdate } from './euler-maruyama.ts';
export { DEFAULT_GRID_STEPS, GRID_SPACINGS, type GridOptions, resolveGrid } from './grid.ts';
export {
  DEFAULT_HEUN_STEPS,
  edmSampler,
  type FewStepOptions,
  type HeunOptions,
  heunSampler,
} from './heun.ts';
export { type LogDenoiser, logDenoiser } from './log-denoiser.ts';
export {
  daleLangevinSampler,
  eulerMaruyamaSampler,
  type GridSamplerOptions,
  signAgnosticSampler,
} from './multiplicative.ts';
export {
  DEFAULT_MIN_NOISE_LEVEL,
  DEFAULT_RHO,
  karrasNoiseLevels,
  type NoiseLevelOptions,
} from './noise-levels.ts';
export {
  DEFAULT_ODE_STEPS,
  integrateODE,
  ODE_METHODS,
  type OdeMethod,
  type OdeOptions,
  type OdeReport,
  type OdeSolution,
  type Velocity,
} from './ode.ts';
export {
  langevinCorrectorStep,
  type PredictorCorrectorOptions,
  predictorCorrectorSampler,
  type SnrNorm,
} from './predictor-corrector.ts';
export {
  type AnnealedMethod,
  type AnnealedPreset,
  REFERENCE_SAMPLER_PRESETS,
  type ReferenceDataset,
  referencePreset,
} from './presets.ts';
export {
  type ProbabilityFlowOptions,
  type ProbabilityFlowSolution,
  type ProbabilityFlowSolveOptions,
  probabilityFlowSampler,
  solveProbabilityFlow,
} from './probability-flow.ts';
export {
  ProgressReporter,
  type Snapshot,
  snapshotCollector,
  yieldToEventLoop,
} from './progress.ts';
export {
  type AnySampler,
  getSampler,
  listSamplers,
  registerSampler,
  type SamplerOptionsByName,
} from './registry.ts';
export {
  annealedTimeFloor,
  DEFAULT_STEPS,
  isFewStepSampler,
  RECOMMENDED_GRID_STEPS,
  RECOMMENDED_STEPS,
  recommendedSteps,
  SETTINGS_DEFAULTS,
  type SettingsContext,
  samplerSettings,
} from './settings.ts';
export { ambientSpace, LOG_STATE_BOUNDS, logSpace, type SamplingSpace } from './space.ts';
export { initialSample } from './start.ts';
export type {
  AnySamplerOptions,
  Sampler,
  SamplerOptions,
  StartOptions,
  StepInfo,
} from './types.ts';

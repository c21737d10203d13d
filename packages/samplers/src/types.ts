import type { Rng } from '@dale/core';
import type { ScoreFn, SDE } from '@dale/sde';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * What a sampler tells its `onStep` callback after every update.
 *
 * `x` is present only on snapshot steps (see {@link SamplerOptions.snapshotEvery}): it is the
 * current sample in ambient (data) coordinates, owned by the sampler and disposed right after
 * the callback returns, so clone it (`tf.clone(x)`) to keep it.
 */
export interface StepInfo {
  /** 1-based index of the update just made. */
  readonly step: number;
  /** Number of updates of the whole run, or `undefined` where it is not known in advance (adaptive ODE solvers). */
  readonly total: number | undefined;
  /** The diffusion time the sample has reached (for the annealed samplers: the level t_k of the update). */
  readonly t: number;
  /** Score evaluations so far. */
  readonly nfe: number;
  /** The current sample (ambient coordinates) on snapshot steps; valid only during the callback. */
  readonly x?: tf.Tensor;
}

/** Where a chain starts at t = T. Give at most one of `init` and `initFrom`; without either, `shape` is drawn from the SDE's prior. */
export interface StartOptions {
  /** Shape of the batch to draw from the prior `sde.priorSample(shape, rng)`, e.g. `[64, 28, 28, 1]`. */
  shape?: readonly number[];
  /** An explicit start x_T in ambient coordinates (not disposed by the sampler). */
  init?: tf.Tensor;
  /**
   * Clean data to noise to t = T with `sde.sampleMarginal(initFrom, T, rng)` and start from,
   * e.g. class-average images after the positivity transform (the reference's alternative start).
   * Not disposed by the sampler.
   */
  initFrom?: tf.Tensor;
}

/** Options every sampler accepts. */
export interface SamplerOptions extends StartOptions {
  /**
   * The random stream. Samplers draw from it in a fixed order: the start (prior draw or the noise
   * of `initFrom`) first, then one standard normal tensor of the sample's shape per noisy update.
   */
  rng: Rng;
  /** Called after every update, awaited when it returns a promise (progress bars, snapshots, early logging). */
  onStep?: (info: StepInfo) => void | Promise<void>;
  /** Hand the current sample to `onStep` (as `info.x`) every this many updates and after the last one. */
  snapshotEvery?: number;
  /**
   * Yield to the event loop (a `setTimeout(0)` macrotask) once at least this many milliseconds
   * have passed since the last yield, so that progress output can render; default 16. `0` yields
   * after every update.
   */
  yieldEveryMs?: number;
}

/**
 * A sampler: a plain function from a score, an SDE and options to a promise of samples at the
 * end time, in ambient coordinates. Custom samplers are just functions of this type (see
 * {@link registerSampler}).
 */
export type Sampler<O extends SamplerOptions = SamplerOptions> = (
  score: ScoreFn,
  sde: SDE,
  options: O,
) => Promise<tf.Tensor>;

/**
 * The options of a sampler looked up by name ({@link getSampler}): the common
 * {@link SamplerOptions} plus any sampler-specific ones (`steps`, `delta`, `snr`, …), which the
 * sampler checks when it runs.
 */
export type AnySamplerOptions = SamplerOptions & { readonly [option: string]: unknown };

/**
 * Sampling: rebuild model and SDE from a checkpoint, run a registered sampler, measure the result.
 * @module
 */
import { DaleError, Rng } from '@dale/core';
import { ksDistance } from '@dale/data';
import { disposeParams, scoreFnFromModel } from '@dale/models';
import { loadCheckpoint } from '@dale/models/node';
import { getSampler } from '@dale/samplers';
import { type ScoreFn, type SDE, sdeFromConfig } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { target } from './target.ts';

/** A score function rebuilt from a checkpoint, with the SDE it was trained under. */
export interface LoadedScore {
  readonly score: ScoreFn;
  readonly sde: SDE;
  /** Free the weights. */
  dispose(): void;
}

/**
 * Load a checkpoint written by `train()`: the model and its EMA weights, and the SDE from the
 * `sde` entry of its metadata through `sdeFromConfig` — which knows `'exp-ou'` only once
 * `registerExpOU()` has run.
 */
export async function loadScore(checkpointDir: string): Promise<LoadedScore> {
  const { model, ema, optimizer, meta } = await loadCheckpoint(checkpointDir);
  if (optimizer) tf.dispose([...optimizer.tensors.values()]); // Adam's moments: only for resuming
  if (!meta.sde) {
    throw new DaleError('invalid-checkpoint', `${checkpointDir}: its metadata has no 'sde' entry`);
  }
  const sde = sdeFromConfig(meta.sde);
  const score = scoreFnFromModel(model, sde, { params: ema ?? model.params });
  return {
    score,
    sde,
    dispose: () => {
      disposeParams(model.params);
      if (ema) disposeParams(ema);
    },
  };
}

/** Options of {@link sampleWith}. */
export interface SampleOptions {
  /** Number of samples. */
  readonly n: number;
  /** Steps of the sampler's time grid from T to ε = 10⁻³. */
  readonly steps: number;
  readonly seed: number;
  /** A registered sampler; default `'dale-langevin'`. */
  readonly sampler?: string;
}

/**
 * Draw `n` samples of shape [n, 1] with a sampler looked up by name in the registry of
 * `@dale/samplers` (default: Dale–Langevin, which steps `sde.reverseLatent(score)` in log space).
 * The grid is denser near ε (`spacing: 'quadratic'`), where the score is sharpest.
 */
export async function sampleWith(
  score: ScoreFn,
  sde: SDE,
  options: SampleOptions,
): Promise<Float32Array> {
  const x = await getSampler(options.sampler ?? 'dale-langevin')(score, sde, {
    shape: [options.n, 1],
    rng: Rng.fromSeed(options.seed),
    steps: options.steps,
    eps: 1e-3,
    spacing: 'quadratic',
  });
  const values = x.dataSync() as Float32Array;
  x.dispose();
  return values;
}

/**
 * The Kolmogorov–Smirnov distance between samples and the target's exact CDF. KS is invariant
 * under monotone maps, so it is also the distance between the log samples and log X's law.
 */
export function ksToTarget(values: ArrayLike<number>): number {
  return ksDistance(values, (x) => target.marginalCdf(0, x));
}

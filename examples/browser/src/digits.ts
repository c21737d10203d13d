/**
 * Digits from a checkpoint: the SDE (`meta.sde`) and positivity transform (`meta.transform`) it
 * was trained with, the score of its EMA weights, the Dale–Langevin sampler, and the samples
 * mapped back to pixels in [0, 1]. No DOM: this runs in Node too.
 * @module
 */
import { DaleError, Rng } from '@dale/core';
import { type TransformConfig, transformFromConfig } from '@dale/data';
import { type LoadedCheckpoint, scoreFnFromModel } from '@dale/models';
import { daleLangevinSampler } from '@dale/samplers';
import { type SDEConfig, sdeFromConfig } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link sampleDigits}. */
export interface DigitOptions {
  /** Number of images. */
  readonly count: number;
  /** Sampler steps from t = T down to t = 1e-3. */
  readonly steps: number;
  /** Seed of the start and of the sampler noise. */
  readonly seed: number;
  /** Called after every sampler step. */
  readonly onStep?: (step: number, total: number) => void;
}

/** Images as NHWC values in [0, 1]. */
export interface Digits {
  readonly values: Float32Array;
  readonly shape: readonly [number, number, number, number];
}

/** Sample `count` images from a loaded checkpoint (its EMA weights when it has them). */
export async function sampleDigits(
  checkpoint: LoadedCheckpoint,
  options: DigitOptions,
): Promise<Digits> {
  const { model, ema, meta } = checkpoint;
  if (!meta['sde']) {
    throw new DaleError(
      'invalid-checkpoint',
      `sampleDigits: the checkpoint's meta has no "sde"; sampling needs the SDE it was trained with`,
    );
  }
  const inputShape = (model.config as { inputShape?: readonly number[] }).inputShape;
  if (inputShape?.length !== 3) {
    throw new DaleError(
      'invalid-checkpoint',
      `sampleDigits: expected an image model (inputShape [H, W, C]), got inputShape ${JSON.stringify(inputShape)}`,
    );
  }
  const sde = sdeFromConfig(meta['sde'] as unknown as SDEConfig);
  const transform = meta['transform']
    ? transformFromConfig(meta['transform'] as unknown as TransformConfig)
    : undefined;
  const score = scoreFnFromModel(model, sde, { params: ema ?? model.params });
  const shape = [options.count, ...inputShape] as [number, number, number, number];
  const samples = await daleLangevinSampler(score, sde, {
    shape,
    steps: options.steps,
    spacing: 'quadratic', // as `dale sample`: denser near t = 0, and a noise-free last step
    denoiseLast: true,
    rng: Rng.fromSeed(options.seed),
    onStep: ({ step, total }) => options.onStep?.(step, total ?? options.steps),
  });
  const pixels = tf.tidy(() =>
    tf.clipByValue(transform ? transform.inverse(samples) : samples, 0, 1),
  );
  samples.dispose();
  const values = (await pixels.data()) as Float32Array;
  pixels.dispose();
  return { values, shape };
}

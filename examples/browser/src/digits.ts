/**
 * Digits from a checkpoint with the generation pipeline of `@dale/generate`: the SDE
 * (`meta.sde`) and positivity transform (`meta.transform`) it was trained with, the score of its
 * EMA weights (for a class-conditional model: of the digit asked for, with classifier-free
 * guidance), DPM-Solver++(2M) for a preconditioned denoiser or the Dale–Langevin sampler
 * otherwise, and the samples mapped back to pixels in [0, 1]. No DOM: this runs in Node too.
 * @module
 */
import { DaleError, Rng } from '@dale/core';
import { generatorFromCheckpoint } from '@dale/generate';
import type { LoadedCheckpoint } from '@dale/models';
import { DENOISER_SAMPLER, type PageSampler, SCORE_SAMPLER } from './settings.ts';

/** Options of {@link sampleDigits}. */
export interface DigitOptions {
  /** Number of images. */
  readonly count: number;
  /** Sampler steps (noise levels for DPM-Solver++(2M)); default {@link samplerOf}'s. */
  readonly steps?: number;
  /** A class-conditional model's digit (0–9) for every sample, or `'all'` (default): every digit in turn. */
  readonly digit?: number | 'all';
  /** Classifier-free guidance weight ≥ 0 of a class-conditional model; default 0. */
  readonly guidance?: number;
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

/**
 * The sampler the page uses for a checkpoint, its name for people and its default steps:
 * {@link DENOISER_SAMPLER} for a preconditioned denoiser, else {@link SCORE_SAMPLER}.
 */
export function samplerOf(checkpoint: LoadedCheckpoint): PageSampler {
  return checkpoint.model.predicts === 'denoiser' ? DENOISER_SAMPLER : SCORE_SAMPLER;
}

/** The number of classes of a class-conditional checkpoint (0: unconditional). */
export function classesOf(checkpoint: LoadedCheckpoint): number {
  return Number(checkpoint.model.config['classes'] ?? 0);
}

/**
 * Sample `count` images from a loaded checkpoint (its EMA weights when it has them) with the
 * pipeline of `@dale/generate`. The checkpoint stays the caller's: the generator is not disposed.
 */
export async function sampleDigits(
  checkpoint: LoadedCheckpoint,
  options: DigitOptions,
): Promise<Digits> {
  const inputShape = (checkpoint.model.config as { inputShape?: readonly number[] }).inputShape;
  if (checkpoint.meta.sde && inputShape?.length !== 3) {
    throw new DaleError(
      'invalid-checkpoint',
      `sampleDigits: expected an image model (inputShape [H, W, C]), got inputShape ${JSON.stringify(inputShape)}`,
    );
  }
  const generator = generatorFromCheckpoint(checkpoint, { source: 'sampleDigits' });
  const classes = classesOf(checkpoint);
  const digit = options.digit ?? 'all';
  if (
    digit !== 'all' &&
    !(classes > 0 && Number.isInteger(digit) && digit >= 0 && digit < classes)
  ) {
    throw new DaleError(
      'invalid-class',
      classes > 0
        ? `sampleDigits: digit must be 'all' or an integer in [0, ${classes - 1}], got ${digit}`
        : 'sampleDigits: this checkpoint is unconditional; it cannot be asked for a digit',
    );
  }
  const labels =
    classes > 0
      ? Int32Array.from({ length: options.count }, (_, i) =>
          digit === 'all' ? i % classes : digit,
        )
      : undefined;
  const sampler = samplerOf(checkpoint);
  const steps = options.steps ?? sampler.steps;
  const run = await generator.generate({
    n: options.count,
    sampler: sampler.name,
    // As `dale sample`: for Dale–Langevin a grid denser near t = 0 and a noise-free last step.
    settings:
      sampler.name === 'dpm-solver-2m'
        ? { steps }
        : { steps, spacing: 'quadratic', denoiseLast: true },
    rng: Rng.fromSeed(options.seed),
    ...(labels && { labels, guidance: options.guidance ?? 0 }),
    onStep: ({ step, total }) => options.onStep?.(step, total ?? steps),
  });
  const values = (await run.pixels.data()) as Float32Array;
  const shape = run.pixels.shape as [number, number, number, number];
  run.dispose();
  return { values, shape };
}

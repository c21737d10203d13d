import { DaleError } from '@dale/core';
import type { AnnealedSchedule } from './annealed.ts';

/** The datasets of the reference implementation. */
export type ReferenceDataset = 'mnist' | 'fashion-mnist' | 'kmnist' | 'cifar10';

/** The two annealed multiplicative samplers. */
export type AnnealedMethod = 'sign-agnostic' | 'dale-langevin';

/** A complete {@link AnnealedSchedule} (every field set but `timeFloor`, which depends on the model). */
export type AnnealedPreset = Readonly<Required<Omit<AnnealedSchedule, 'timeFloor'>>>;

function preset(
  delta: number,
  innerSteps: number,
  annealFactor: number,
  tweedieSteps = 0,
): AnnealedPreset {
  return { steps: 1000, delta, innerSteps, annealFactor, tweedieSteps };
}

/**
 * The per-dataset settings (δ, L, anneal factor) of the reference implementation (guide:
 * section 7), with N = 1000 levels; CIFAR-10 adds 25 noise-free steps at k = 0. Use them with
 * the GBM of the reference (σ = 0.8, μ = 0.32) and the fitted prior `REFERENCE_PRIORS[dataset]`
 * of @dale/sde.
 */
export const REFERENCE_SAMPLER_PRESETS: Readonly<
  Record<ReferenceDataset, Readonly<Record<AnnealedMethod, AnnealedPreset>>>
> = {
  mnist: {
    'sign-agnostic': preset(1.43845e-4, 4, 0.995),
    'dale-langevin': preset(6.16545e-4, 1, 0.995),
  },
  'fashion-mnist': {
    'sign-agnostic': preset(1.4678e-3, 3, 0.9995),
    'dale-langevin': preset(5.86273e-4, 1, 0.995),
  },
  kmnist: {
    'sign-agnostic': preset(2.11316e-4, 3, 1.0),
    'dale-langevin': preset(2.11316e-4, 3, 0.995),
  },
  cifar10: {
    'sign-agnostic': preset(1.43845e-4, 5, 0.9995, 25),
    'dale-langevin': preset(1.14211e-4, 6, 0.9995, 25),
  },
};

/**
 * The reference settings for a dataset and method, with a clear error for unknown names.
 *
 * @example
 * ```ts
 * const x = await annealedDaleLangevinSampler(score, gbm({ prior: REFERENCE_PRIORS.mnist }), {
 *   ...referencePreset('mnist', 'dale-langevin'),
 *   shape: [16, 28, 28, 1],
 *   rng: Rng.fromSeed(0),
 * });
 * ```
 */
export function referencePreset(dataset: string, method: string): AnnealedPreset {
  const byMethod = Object.hasOwn(REFERENCE_SAMPLER_PRESETS, dataset)
    ? REFERENCE_SAMPLER_PRESETS[dataset as ReferenceDataset]
    : undefined;
  if (!byMethod) {
    throw new DaleError(
      'unknown-preset',
      `referencePreset: unknown dataset '${dataset}'; known datasets: ${Object.keys(REFERENCE_SAMPLER_PRESETS).join(', ')}`,
    );
  }
  if (!Object.hasOwn(byMethod, method)) {
    throw new DaleError(
      'unknown-preset',
      `referencePreset: unknown method '${method}'; known methods: ${Object.keys(byMethod).join(', ')}`,
    );
  }
  return byMethod[method as AnnealedMethod];
}

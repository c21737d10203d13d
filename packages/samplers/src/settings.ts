/**
 * A sampler's settings by name, for programs that choose samplers by name (the `dale` command,
 * `@dale/generate` users): the steps each one is meant to run with, and its own options for a
 * number of steps, including the reference presets and the time floor of the annealed samplers.
 * @module
 */
import { DaleError } from '@dale/core';
import type { GridSamplerOptions } from './multiplicative.ts';
import type { OdeMethod } from './ode.ts';
import {
  type AnnealedMethod,
  REFERENCE_SAMPLER_PRESETS,
  type ReferenceDataset,
} from './presets.ts';

/** The steps a sampler runs with when none are asked for, by name: 100 but for the few-step samplers. */
export const RECOMMENDED_STEPS: Readonly<Record<string, number>> = {
  heun: 18,
  edm: 18,
  'dpm-solver-2m': 12,
};

/** The recommended steps of any sampler: {@link RECOMMENDED_STEPS}, else 100. */
export function recommendedSteps(name: string): number {
  return RECOMMENDED_STEPS[name] ?? 100;
}

/** The names of the few-step log-space samplers, whose `steps` are noise levels. */
export function isFewStepSampler(name: string): boolean {
  return Object.hasOwn(RECOMMENDED_STEPS, name);
}

/**
 * The time floor of an annealed sampler with N levels for a model: T/N, its last trained level, for
 * a model that predicts the noise (which has no score at t = 0, guide: M6), else 0 (the reference loop).
 */
export function annealedTimeFloor(predicts: unknown, T: number, steps: number): number {
  return predicts === 'noise' ? T / steps : 0;
}

/** What {@link samplerSettings} needs besides the name and the steps. */
export interface SettingsContext {
  /** The dataset the model was trained on (the annealed samplers' reference presets). */
  readonly dataset?: unknown;
  /** What the model predicts (`model.predicts`): `'noise'` gets a time floor in the annealed loops. */
  readonly predicts?: unknown;
  /** The SDE's end time T. */
  readonly T: number;
  /** The integrator of `probability-flow`; default `'heun'`. */
  readonly odeMethod?: OdeMethod;
  /** The grid spacing of the grid samplers; default `'quadratic'` (denser near t = 0). */
  readonly spacing?: GridSamplerOptions['spacing'];
  /** Whether the grid samplers' last step is noise-free; default true. */
  readonly denoiseLast?: boolean;
}

/**
 * A sampler's own options for `steps`, by name: `{ method, steps }` for `probability-flow` (only
 * `method` for `rk45`); the reference preset of `context.dataset` for `annealed-*`, with
 * {@link annealedTimeFloor} for a noise-predicting model (a dataset without a preset throws a
 * `DaleError` `'unknown-preset'`); `{ steps }` for the few-step samplers; otherwise
 * `{ steps, spacing, denoiseLast }` of the grid samplers.
 */
export function samplerSettings(
  name: string,
  steps: number,
  context: SettingsContext,
): Readonly<Record<string, unknown>> {
  if (name === 'probability-flow') {
    const method = context.odeMethod ?? 'heun';
    return method === 'rk45' ? { method } : { method, steps };
  }
  if (name.startsWith('annealed-')) {
    const { dataset } = context;
    const method = name.slice('annealed-'.length) as AnnealedMethod;
    const byDataset =
      typeof dataset === 'string' && Object.hasOwn(REFERENCE_SAMPLER_PRESETS, dataset)
        ? REFERENCE_SAMPLER_PRESETS[dataset as ReferenceDataset]
        : undefined;
    if (!byDataset || !Object.hasOwn(byDataset, method)) {
      throw new DaleError(
        'unknown-preset',
        `samplerSettings: ${name} uses the reference settings of the model's dataset, and '${String(dataset)}' has none (known: ${Object.keys(REFERENCE_SAMPLER_PRESETS).join(', ')}); use dale-langevin or sign-agnostic`,
      );
    }
    const preset = { ...byDataset[method], steps };
    const floor = annealedTimeFloor(context.predicts, context.T, steps);
    return floor > 0 ? { ...preset, timeFloor: floor } : preset;
  }
  if (isFewStepSampler(name)) return { steps };
  return {
    steps,
    spacing: context.spacing ?? 'quadratic',
    denoiseLast: context.denoiseLast ?? true,
  };
}

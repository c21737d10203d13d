/**
 * A sampler's settings by name, for programs that choose samplers by name (the `dale` command,
 * `@dale/generate` users): the steps each one is meant to run with, and its own options for a
 * number of steps, including the reference presets and the time floor of the annealed samplers.
 * @module
 */
import { DaleError } from '@dale/core';
import { DEFAULT_ANNEALED_STEPS } from './annealed.ts';
import { DEFAULT_DPM_SOLVER_STEPS } from './dpm-solver.ts';
import { DEFAULT_GRID_STEPS } from './grid.ts';
import { DEFAULT_HEUN_STEPS } from './heun.ts';
import type { GridSamplerOptions } from './multiplicative.ts';
import { DEFAULT_ODE_STEPS, type OdeMethod } from './ode.ts';
import {
  type AnnealedMethod,
  REFERENCE_SAMPLER_PRESETS,
  type ReferenceDataset,
} from './presets.ts';

/**
 * The steps each built-in sampler takes when its options give none, by registry name. Each value
 * is defined once, next to its sampler ({@link DEFAULT_GRID_STEPS}, {@link DEFAULT_ANNEALED_STEPS},
 * {@link DEFAULT_ODE_STEPS}, {@link DEFAULT_HEUN_STEPS}, {@link DEFAULT_DPM_SOLVER_STEPS}), and the
 * sampler reads it there.
 */
export const DEFAULT_STEPS: Readonly<Record<string, number>> = {
  'euler-maruyama': DEFAULT_GRID_STEPS,
  'sign-agnostic': DEFAULT_GRID_STEPS,
  'dale-langevin': DEFAULT_GRID_STEPS,
  'predictor-corrector': DEFAULT_GRID_STEPS,
  'annealed-sign-agnostic': DEFAULT_ANNEALED_STEPS,
  'annealed-dale-langevin': DEFAULT_ANNEALED_STEPS,
  'probability-flow': DEFAULT_ODE_STEPS,
  heun: DEFAULT_HEUN_STEPS,
  edm: DEFAULT_HEUN_STEPS,
  'dpm-solver-2m': DEFAULT_DPM_SOLVER_STEPS,
};

/**
 * The steps of a sampler chosen by name when none are asked for ({@link samplerSettings}, with the
 * quadratic grid and a noise-free last step): {@link RECOMMENDED_STEPS} for the few-step
 * samplers, else this, 100.
 */
export const RECOMMENDED_GRID_STEPS = 100;

/**
 * The recommended steps of the few-step samplers, by name: their own default for Heun and EDM;
 * 12 for DPM-Solver++(2M) (its default is 20), the setting of the `mnist` model's scores.
 */
export const RECOMMENDED_STEPS: Readonly<Record<string, number>> = {
  heun: DEFAULT_HEUN_STEPS,
  edm: DEFAULT_HEUN_STEPS,
  'dpm-solver-2m': 12,
};

/** The recommended steps of any sampler: {@link RECOMMENDED_STEPS}, else {@link RECOMMENDED_GRID_STEPS}. */
export function recommendedSteps(name: string): number {
  return RECOMMENDED_STEPS[name] ?? RECOMMENDED_GRID_STEPS;
}

/** What {@link samplerSettings} uses where its {@link SettingsContext} says nothing: the one place for these defaults. */
export const SETTINGS_DEFAULTS = {
  /** The integrator of `probability-flow`. */
  odeMethod: 'heun',
  /** The grid spacing of the grid samplers (denser near t = 0). */
  spacing: 'quadratic',
  /** Whether the grid samplers' last step is noise-free. */
  denoiseLast: true,
} as const satisfies Required<Pick<SettingsContext, 'odeMethod' | 'spacing' | 'denoiseLast'>>;

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
  /** The integrator of `probability-flow`; default {@link SETTINGS_DEFAULTS}.odeMethod (`'heun'`). */
  readonly odeMethod?: OdeMethod | undefined;
  /** The grid spacing of the grid samplers; default {@link SETTINGS_DEFAULTS}.spacing (`'quadratic'`). */
  readonly spacing?: GridSamplerOptions['spacing'] | undefined;
  /** Whether the grid samplers' last step is noise-free; default {@link SETTINGS_DEFAULTS}.denoiseLast (true). */
  readonly denoiseLast?: boolean | undefined;
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
    const method = context.odeMethod ?? SETTINGS_DEFAULTS.odeMethod;
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
    spacing: context.spacing ?? SETTINGS_DEFAULTS.spacing,
    denoiseLast: context.denoiseLast ?? SETTINGS_DEFAULTS.denoiseLast,
  };
}

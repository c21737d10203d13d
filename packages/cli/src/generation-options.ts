/**
 * The options `dale sample` and `dale eval` share: which checkpoint (`--checkpoint` or a
 * pretrained `--model`), which sampler with how many steps, the seed, the backend and the weights.
 * @module
 */

import { DaleError } from '@dale/core';
import {
  PRETRAINED_MODEL_SUMMARIES,
  PRETRAINED_MODELS,
  pretrainedModelDir,
  resolvePretrainedModelName,
} from '@dale/pretrained';
import {
  GRID_SPACINGS,
  samplerSettings as librarySettings,
  listSamplers,
  ODE_METHODS,
  RECOMMENDED_GRID_STEPS,
  RECOMMENDED_STEPS,
  recommendedSteps,
  SETTINGS_DEFAULTS,
  type SettingsContext,
} from '@dale/samplers';
import { UsageError } from './errors.ts';
import { choiceOption, type OptionSpec, type OptionValues, stringOption } from './options.ts';

/** Short sampler names of `--sampler` and the registry names they stand for. */
export const SAMPLER_ALIASES: Readonly<Record<string, string>> = {
  pc: 'predictor-corrector',
  ode: 'probability-flow',
};

/** The default `--steps` of `dale sample` and `dale eval` for the grid and annealed samplers (`RECOMMENDED_GRID_STEPS` of `@dale/samplers`). */
export const DEFAULT_SAMPLER_STEPS = RECOMMENDED_GRID_STEPS;

/**
 * The default `--steps` (noise levels) of the few-step log-space samplers: 18 levels are 35
 * score evaluations for Heun and EDM, 12 levels 12 evaluations for DPM-Solver++(2M)
 * (`RECOMMENDED_STEPS` of `@dale/samplers`).
 */
export const FEW_STEP_DEFAULTS: Readonly<Record<string, number>> = RECOMMENDED_STEPS;

/** The sampler `dale sample` and `dale eval` use for a denoiser checkpoint without `--sampler`. */
export const DENOISER_DEFAULT_SAMPLER = 'dpm-solver-2m';

/** The default `--steps` of sampler `name` (`recommendedSteps` of `@dale/samplers`). */
export function defaultSteps(name: string): number {
  return recommendedSteps(name);
}

/** The weights `--weights` chooses from. */
export const WEIGHT_CHOICES = ['ema', 'trained'] as const;

/** `ema` (the EMA weights, when the checkpoint stores them) or `trained`. */
export type WeightChoice = (typeof WEIGHT_CHOICES)[number];

/** The option specs of `--checkpoint` and `--model`. */
export const CHECKPOINT_OPTIONS = {
  checkpoint: {
    type: 'string',
    value: 'DIR',
    description: 'a checkpoint directory, e.g. runs/mnist/checkpoint',
  },
  model: {
    type: 'string',
    value: 'NAME',
    description: `a pretrained model of @dale/pretrained instead of --checkpoint: ${PRETRAINED_MODELS.map((name) => `${name} (${PRETRAINED_MODEL_SUMMARIES[name]})`).join(', ')}`,
  },
} satisfies Readonly<Record<string, OptionSpec>>;

/**
 * The option specs of the sampler: `--sampler`, `--steps`, `--seed`, `--weights`, `--ode-method`,
 * `--spacing`, `--no-denoise`, `--start`. The defaults of `--sampler` and `--steps` depend on the
 * checkpoint and the sampler ({@link resolveSampler}, {@link defaultSteps}): their help describes them.
 */
export const SAMPLER_OPTIONS = {
  sampler: {
    type: 'string',
    value: 'NAME',
    defaultText: 'dale-langevin (denoiser checkpoints: dpm-solver-2m)',
    description:
      'dale-langevin, sign-agnostic, pc (predictor-corrector), ode (probability flow), annealed-dale-langevin, annealed-sign-agnostic, the few-step log-space samplers heun, edm (stochastic, with churn) and dpm-solver-2m, or any registered sampler',
  },
  steps: {
    type: 'string',
    value: 'N',
    defaultText: `${DEFAULT_SAMPLER_STEPS} (heun, edm: ${FEW_STEP_DEFAULTS.heun} levels = ${2 * FEW_STEP_DEFAULTS.heun! - 1} evaluations; dpm-solver-2m: ${FEW_STEP_DEFAULTS['dpm-solver-2m']})`,
    description: 'sampler steps (annealed and few-step samplers: noise levels)',
  },
  seed: { type: 'string', value: 'N', default: 0, description: 'seed of the sampler noise' },
  weights: {
    type: 'string',
    value: 'ema|trained',
    default: 'ema',
    description: 'the EMA weights (when stored) or the trained weights',
  },
  'ode-method': {
    type: 'string',
    value: ODE_METHODS.join('|'),
    default: SETTINGS_DEFAULTS.odeMethod,
    description: 'integrator of --sampler ode (rk45 ignores --steps)',
  },
  spacing: {
    type: 'string',
    value: GRID_SPACINGS.join('|'),
    default: SETTINGS_DEFAULTS.spacing,
    description: 'time grid of the SDE samplers: quadratic is denser near t = 0',
  },
  'no-denoise': {
    type: 'boolean',
    description: 'keep the noise of the last SDE step (default: the last step is noise-free)',
  },
  start: {
    type: 'string',
    value: 'prior|class-average',
    default: 'prior',
    description:
      "where chains start: the SDE's log-normal prior, or the training set's class-average images noised to T (sample i: class i mod K; the reference's alternative start)",
  },
} satisfies Readonly<Record<string, OptionSpec>>;

/** The option spec of `--backend`. */
export const BACKEND_OPTION = {
  type: 'string',
  value: 'auto|cpu|wasm',
  default: 'auto',
  description: 'compute backend (auto: the best available)',
} satisfies OptionSpec;

/** The checkpoint a command reads: its directory and, for `--model`, the pretrained model's name. */
export interface CheckpointChoice {
  /** The checkpoint directory. */
  readonly dir: string;
  /** The pretrained model (`--model`, a deprecated alias resolved), or `null` for `--checkpoint`. */
  readonly model: string | null;
  /**
   * For a deprecated `--model` alias, a line that says which name to use instead (the command
   * writes it to stderr).
   */
  readonly deprecation?: string;
}

/**
 * The checkpoint of `--checkpoint DIR` or `--model NAME` (resolved with `pretrainedModelDir` of
 * `@dale/pretrained`; a deprecated alias such as `mnist-edm` gives the model it stands for and a
 * `deprecation` line). Neither, both, or an unknown model name is a {@link UsageError}.
 */
export function resolveCheckpoint(values: OptionValues, command: string): CheckpointChoice {
  const checkpoint = stringOption(values, 'checkpoint');
  const model = stringOption(values, 'model');
  if (checkpoint !== undefined && model !== undefined) {
    throw new UsageError(
      `options --checkpoint and --model of 'dale ${command}': expected one of them, got both (--checkpoint ${checkpoint}, --model ${model})`,
      command,
    );
  }
  if (model !== undefined) {
    const name = resolvePretrainedModelName(model);
    if (name === undefined) {
      throw new UsageError(
        `option --model of 'dale ${command}': expected a pretrained model (${PRETRAINED_MODELS.join(', ')}), got '${model}'`,
        command,
      );
    }
    return {
      dir: pretrainedModelDir(name),
      model: name,
      ...(name !== model && {
        deprecation: `--model ${model} is deprecated: it is now called ${name}; use --model ${name}\n`,
      }),
    };
  }
  if (checkpoint === undefined || checkpoint === '') {
    throw new UsageError(
      `'dale ${command}' needs --checkpoint DIR or --model NAME (pretrained: ${PRETRAINED_MODELS.join(', ')})`,
      command,
    );
  }
  return { dir: checkpoint, model: null };
}

/**
 * The registry name of `--sampler` (aliases resolved); an unknown name is a {@link UsageError}.
 * Without `--sampler`: `DENOISER_DEFAULT_SAMPLER` (dpm-solver-2m) for a model that predicts `'denoiser'`,
 * else `dale-langevin`.
 */
export function resolveSampler(values: OptionValues, command: string, predicts?: unknown): string {
  const requested =
    stringOption(values, 'sampler') ??
    (predicts === 'denoiser' ? DENOISER_DEFAULT_SAMPLER : 'dale-langevin');
  const name = SAMPLER_ALIASES[requested] ?? requested;
  if (!listSamplers().includes(name)) {
    throw new UsageError(
      `option --sampler of 'dale ${command}': expected one of ${[...Object.keys(SAMPLER_ALIASES), ...listSamplers()].join(', ')}, got '${requested}'`,
      command,
    );
  }
  return name;
}

/** What {@link samplerSettings} needs to know about the checkpoint. */
export interface SamplerCheckpointInfo {
  /** `meta.dataset` of the checkpoint. */
  readonly dataset: unknown;
  /** What the model predicts (`model.config.predicts`). */
  readonly predicts: unknown;
  /** The SDE's end time T (the annealed samplers' levels are kT/N). */
  readonly T: number;
}

/**
 * The sampler's own options for `steps`: `samplerSettings` of `@dale/samplers` (which holds the
 * name-based dispatch, the defaults and the annealed `timeFloor`) given `--ode-method`,
 * `--spacing` and `--no-denoise` as read here (checked whichever the sampler); a dataset without
 * the reference preset an annealed sampler needs is a {@link UsageError}.
 */
export function samplerSettings(
  name: string,
  steps: number,
  values: OptionValues,
  command: string,
  checkpoint: SamplerCheckpointInfo,
): Record<string, unknown> {
  const context: SettingsContext = {
    ...checkpoint,
    odeMethod: choiceOption(values, 'ode-method', command, ODE_METHODS),
    spacing: choiceOption(values, 'spacing', command, GRID_SPACINGS),
    denoiseLast: values['no-denoise'] !== true,
  };
  try {
    return { ...librarySettings(name, steps, context) };
  } catch (error) {
    if (error instanceof DaleError && error.code === 'unknown-preset') {
      throw new UsageError(
        `--sampler ${name} uses the reference settings of the checkpoint's dataset, and '${String(checkpoint.dataset)}' has none; use dale-langevin or sign-agnostic`,
        command,
      );
    }
    throw error;
  }
}

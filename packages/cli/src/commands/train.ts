/**
 * `dale train`: train a U-Net score model on a dataset with multiplicative denoising score
 * matching under geometric Brownian motion, with progress, sample grids, checkpoints and Ctrl-C.
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DaleError, Rng } from '@dale/core';
import { shiftTransform } from '@dale/data';
import {
  disposeParams,
  type JsonValue,
  type Model,
  type ModelConfig,
  modelFromConfig,
  type ParamTree,
  type Preconditioning,
  scoreFnFromModel,
} from '@dale/models';
import { daleLangevinSampler, heunSampler } from '@dale/samplers';
import { gbm, type ScoreFn, type SDE, type SDEConfig, sdeFromConfig } from '@dale/sde';
import { checkpointStep, recoverRunDirectory, train } from '@dale/train';
import type * as tf from '@tensorflow/tfjs-core';
import { backendChoices, selectBackend } from '../backend.ts';
import { balancedLabels } from '../class-labels.ts';
import {
  CONFIG_FIELDS,
  loadTrainConfig,
  type TrainConfig,
  type TrainSettings,
  validateTrainConfig,
} from '../config.ts';
import {
  DATASET_NAMES,
  datasetPrior,
  type FolderOptions,
  isDatasetName,
  loadTrainingSet,
  MAX_TRAINING_SIDE,
} from '../dataset.ts';
import { EXIT_CODES, stopName, stoppedExitCode, UsageError } from '../errors.ts';
import { BACKEND_OPTION } from '../generation-options.ts';
import {
  type CommandSpec,
  choiceOption,
  integerOption,
  type OptionValues,
  requiredOption,
  stringOption,
} from '../options.ts';
import type { Output } from '../output.ts';
import { ensureDirectory } from '../paths.ts';
import {
  buildModel,
  DEFAULT_TRAIN_SEED,
  PRESET_NAMES,
  type PresetName,
  presetSettings,
} from '../presets.ts';
import { Progress, samplerProgress } from '../progress.ts';
import { denoiserLoss, trainingNoiseLevels, wideHorizonRecipe } from '../recipe.ts';

/** The command line of `dale train`. */
export const TRAIN_COMMAND = {
  name: 'train',
  summary: 'train a score model (multiplicative denoising score matching under GBM)',
  usage: 'dale train --dataset NAME|DIR --out DIR [options]',
  options: {
    dataset: {
      type: 'string',
      value: 'NAME|DIR',
      description: `${DATASET_NAMES.join(', ')}, or a folder of PNG images (class sub-folders give labels)`,
    },
    out: {
      type: 'string',
      value: 'DIR',
      description: 'run directory: checkpoint/, metrics.jsonl, samples/step-NNNNNNN.png',
    },
    preset: {
      type: 'string',
      value: 'quick|paper|edm',
      default: 'quick',
      description:
        'quick: a small U-Net for CPUs; paper: unet-small with the reference settings; edm: the wide-horizon, preconditioned, class-conditional recipe on the quick U-Net',
    },
    backend: BACKEND_OPTION,
    steps: { type: 'string', value: 'N', description: 'total training steps' },
    batch: { type: 'string', value: 'N', description: 'batch size' },
    seed: {
      type: 'string',
      value: 'N',
      default: DEFAULT_TRAIN_SEED,
      description: 'seed of the initial weights, data order and noise',
    },
    limit: { type: 'string', value: 'N', description: 'train on the first N images only' },
    resize: {
      type: 'string',
      value: 'N',
      description: `a folder of images: resize every image to NxN first (needed above ${MAX_TRAINING_SIDE}x${MAX_TRAINING_SIDE})`,
    },
    channels: {
      type: 'string',
      value: '1|3',
      description:
        'a folder of images: read them as grey (1) or RGB (3); default grey unless one has colour',
    },
    resume: {
      type: 'boolean',
      description: 'continue from OUT/checkpoint with its settings (flags still override)',
    },
    config: {
      type: 'string',
      value: 'FILE',
      description: 'JSON file of training settings (see below); flags override it',
    },
    'sample-every': {
      type: 'string',
      value: 'N',
      description: 'write a sample grid every N steps and at the end (0: never)',
    },
    'checkpoint-every': {
      type: 'string',
      value: 'N',
      description: 'write a checkpoint every N steps and at the end',
    },
    'log-every': {
      type: 'string',
      value: 'N',
      description: 'when stderr is not a terminal, print progress every N steps',
    },
  },
  details: [
    'Presets:',
    '  quick  U-Net base 16, multipliers [1,2,2], 1 res block/level, attention at the lowest size;',
    '         batch 32, Adam 2e-4 (100 warm-up steps, clip 1), 2000 steps; 100-step Dale-Langevin grids',
    '  paper  unet-small; batch 128, Adam 1e-4 (CIFAR-10: 2e-4, 5000 warm-up, clip 1, EMA 0.9999),',
    '         100000 steps; grids from a 1000-step Dale-Langevin run',
    '  edm    the quick U-Net as a preconditioned log-space denoiser, class-conditional (label',
    '         dropout 0.1); GBM horizon S(T) chosen from the data; ln S ~ N(ln 0.6 sigma_data, 1.2^2);',
    '         batch 32, Adam 4e-4 (500 warm-up, clip 1), 30000 steps; grids from 18-level Heun',
    '',
    'Config file fields (all optional):',
    `  ${CONFIG_FIELDS.slice(0, 7).join(', ')},`,
    `  ${CONFIG_FIELDS.slice(7).join(', ')}.`,
    'model holds U-Net fields, e.g. { "steps": 500, "model": { "baseChannels": 8 } }.',
    'A config error (unknown field, wrong type) is a usage error (exit 2).',
    '',
    'Data: x -> x + 1 (positivity); quick and paper: GBM sigma 0.8, mu 0.32, the dataset prior',
    '(REFERENCE_PRIORS for built-in datasets, fitted on 1000 images for folders); edm: see above.',
    'Ctrl-C (SIGINT) or SIGTERM (docker stop, timeout, schedulers) finishes the step, writes a',
    'checkpoint and exits with 130 (SIGINT) or 143 (SIGTERM); run again with --resume to continue',
    'exactly. --resume keeps the dataset, preset, model and training settings of the checkpoint:',
    'only --steps and the logging, sampling and checkpoint intervals may change.',
    '',
    'Example: dale train --dataset mnist --preset quick --backend wasm --out runs/mnist',
  ].join('\n'),
} satisfies CommandSpec;

/** What a command gets besides its command line (`main` passes it on). */
export interface RunContext {
  /** Aborts the command (Ctrl-C): training checkpoints and the command returns 130. */
  readonly signal?: AbortSignal;
}

/** What a run stores in its checkpoint's `meta.cli`, so `--resume` and `dale sample` can use it. */
interface CliMeta {
  readonly preset: PresetName;
  readonly settings: TrainSettings;
  /** How a folder of images was read (`--resize`, `--channels`); absent in older checkpoints. */
  readonly folder?: FolderOptions;
}

const CHANNEL_CHOICES = ['1', '3'] as const;

/** `--resize` and `--channels` of the command line (undefined where not given). */
function folderFlags(values: OptionValues): Partial<FolderOptions> {
  const resize = integerOption(values, 'resize', 'train', 1);
  const channels = choiceOption(values, 'channels', 'train', CHANNEL_CHOICES);
  return {
    ...(resize !== undefined && { resize }),
    ...(channels !== undefined && { channels: Number(channels) as 1 | 3 }),
  };
}

interface SavedRun {
  readonly model: ModelConfig;
  readonly step: number;
  readonly dataset?: string;
  readonly cli?: CliMeta;
  readonly sde?: SDEConfig;
}

function damaged(path: string, problem: string): DaleError {
  return new DaleError(
    'invalid-checkpoint',
    `${path} ${problem}: the checkpoint is damaged. Restore it from a copy, or start a new run with another --out`,
  );
}

function readSavedRun(checkpointDir: string): SavedRun {
  const path = join(checkpointDir, 'config.json');
  let config: {
    model?: ModelConfig;
    meta?: { step?: number; dataset?: unknown; cli?: CliMeta; sde?: SDEConfig };
  };
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw damaged(path, `is not valid JSON (${(error as Error).message})`);
  }
  if (typeof config !== 'object' || config === null || typeof config.model !== 'object') {
    throw damaged(path, 'holds no model config');
  }
  const meta = (typeof config.meta === 'object' && config.meta) || {};
  return {
    model: config.model,
    step: checkpointStep(meta as Record<string, unknown>, checkpointDir),
    ...(typeof meta.dataset === 'string' && { dataset: meta.dataset }),
    ...(meta.cli && { cli: meta.cli }),
    ...(meta.sde && { sde: meta.sde }),
  };
}

/** Settings a resumed run may change: the length of the run and what it logs, samples and saves. */
const RESUMABLE_CHANGES: ReadonlySet<string> = new Set([
  'steps',
  'logEvery',
  'sampleEvery',
  'checkpointEvery',
  'sampleCount',
  'sampleSteps',
]);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What a `--resume` command line asks for that differs from the checkpoint's run: the dataset,
 * an explicit preset, and each setting of `--config` or a flag (the model's fields against the
 * checkpoint's architecture) other than {@link RESUMABLE_CHANGES}.
 */
function resumeDifferences(
  saved: SavedRun,
  asked: {
    dataset: string;
    preset: PresetName | undefined;
    layers: TrainConfig[];
    folder: Partial<FolderOptions>;
  },
): string[] {
  const differences: string[] = [];
  for (const [field, value] of Object.entries(asked.folder)) {
    const before = saved.cli?.folder?.[field as keyof FolderOptions] ?? null;
    if (saved.cli && before !== value) {
      differences.push(
        `--${field}: the checkpoint's is ${JSON.stringify(before)}, asked ${JSON.stringify(value)}`,
      );
    }
  }
  const datasetOf = (name: string) => (isDatasetName(name) ? name : resolve(name));
  if (saved.dataset !== undefined && datasetOf(saved.dataset) !== datasetOf(asked.dataset)) {
    differences.push(`dataset: the checkpoint's is ${saved.dataset}, asked ${asked.dataset}`);
  }
  if (saved.cli && asked.preset !== undefined && asked.preset !== saved.cli.preset) {
    differences.push(`preset: the checkpoint's is ${saved.cli.preset}, asked ${asked.preset}`);
  }
  const model = saved.model as unknown as Record<string, unknown>;
  for (const layer of asked.layers) {
    for (const [field, value] of Object.entries(layer)) {
      if (field === 'model') {
        for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
          if (!same(model[key], v)) {
            differences.push(
              `model.${key}: the checkpoint's is ${JSON.stringify(model[key] ?? null)}, asked ${JSON.stringify(v)}`,
            );
          }
        }
        continue;
      }
      if (RESUMABLE_CHANGES.has(field) || !saved.cli) continue;
      const before = (saved.cli.settings as unknown as Record<string, unknown>)[field];
      if (before !== undefined && !same(before, value)) {
        differences.push(
          `${field}: the checkpoint's is ${JSON.stringify(before)}, asked ${JSON.stringify(value)}`,
        );
      }
    }
  }
  return [...new Set(differences)];
}

/** The command-line flags that override settings, as a config. */
function flagSettings(values: OptionValues): TrainConfig {
  const flags: Record<string, number> = {};
  const set = (field: keyof TrainSettings, option: string, min: number) => {
    const value = integerOption(values, option, 'train', min);
    if (value !== undefined) flags[field] = value;
  };
  set('steps', 'steps', 1);
  set('batchSize', 'batch', 1);
  set('seed', 'seed', 0);
  set('limit', 'limit', 1);
  set('sampleEvery', 'sample-every', 0);
  set('checkpointEvery', 'checkpoint-every', 1);
  set('logEvery', 'log-every', 1);
  return validateTrainConfig(flags, 'command line');
}

function merge(base: TrainSettings, ...layers: TrainConfig[]): TrainSettings {
  let settings = base;
  for (const layer of layers)
    settings = { ...settings, ...layer, model: { ...settings.model, ...layer.model } };
  return settings;
}

/**
 * Run `dale train` with parsed options: load the data, build or restore the model, train with
 * progress on `output.stderr`, and return the exit code (130 when `context.signal` aborted it).
 */
export async function runTrain(
  values: OptionValues,
  output: Output,
  context: RunContext = {},
): Promise<number> {
  const dataset = requiredOption(values, 'dataset', 'train');
  const outDir = requiredOption(values, 'out', 'train');
  const backend = choiceOption(values, 'backend', TRAIN_COMMAND, backendChoices());
  const resume = values.resume === true;
  const fileConfig = stringOption(values, 'config');
  const flags = flagSettings(values);
  const askedPreset = choiceOption(values, 'preset', 'train', PRESET_NAMES);
  const askedFolder = folderFlags(values);
  const config = fileConfig === undefined ? {} : loadTrainConfig(fileConfig);
  // The run directory is checked (and made) before any work: not a file, not under one, not /proc.
  ensureDirectory(outDir, { option: 'out', command: 'train' });
  const checkpointDir = join(outDir, 'checkpoint');
  if (resume) {
    const { recovered, removed } = recoverRunDirectory(outDir);
    if (recovered) {
      output.stderr(
        `recovered the checkpoint ${recovered} (a crash between the two renames of a checkpoint write left only it) as ${checkpointDir}\n`,
      );
    }
    if (removed.length > 0) {
      output.stderr(
        `removed ${removed.length} stale leftover(s) of interrupted writes: ${removed.join(', ')}\n`,
      );
    }
  }
  const hasCheckpoint = existsSync(join(checkpointDir, 'config.json'));
  const survivor = existsSync(outDir)
    ? readdirSync(outDir).find((name) => name.startsWith('checkpoint.old-'))
    : undefined;
  if (!hasCheckpoint && !resume && survivor !== undefined) {
    throw new UsageError(
      `${outDir} holds ${survivor}, a checkpoint left by a crash during a checkpoint write: pass --resume to recover and continue it, or choose another --out`,
      'train',
    );
  }
  if (hasCheckpoint && !resume) {
    throw new UsageError(
      `${outDir} already holds a checkpoint: pass --resume to continue it, or choose another --out`,
      'train',
    );
  }
  if (resume && !hasCheckpoint) {
    throw new UsageError(
      `--resume: ${outDir} holds no checkpoint to resume (no ${join(checkpointDir, 'config.json')}): check --out, or drop --resume to start a new run`,
      'train',
    );
  }
  const saved = hasCheckpoint ? readSavedRun(checkpointDir) : undefined;
  if (saved) {
    const differences = resumeDifferences(saved, {
      dataset,
      preset: askedPreset,
      layers: [config, flags],
      folder: askedFolder,
    });
    if (differences.length > 0) {
      throw new UsageError(
        [
          `--resume: this command line differs from the run in ${outDir}:`,
          ...differences.map((d) => `  ${d}`),
          'A resumed run keeps its dataset, preset, model and training settings (only --steps and the logging, sampling and checkpoint intervals may change): drop those options, or start a new run with another --out.',
        ].join('\n'),
        'train',
      );
    }
  }
  // No --preset: the resumed run's, else the spec's default.
  const preset =
    askedPreset ??
    saved?.cli?.preset ??
    choiceOption(values, 'preset', TRAIN_COMMAND, PRESET_NAMES);
  const settings = merge(saved?.cli?.settings ?? presetSettings(preset, dataset), config, flags);

  const selection = await selectBackend(backend, output);
  if (selection.name === 'cpu') {
    output.stderr(
      'note: the cpu backend computes convolution gradients in plain JavaScript and trains a U-Net very slowly; --backend wasm is much faster\n',
    );
  }
  const folder: FolderOptions = {
    resize: askedFolder.resize ?? saved?.cli?.folder?.resize ?? null,
    channels: askedFolder.channels ?? saved?.cli?.folder?.channels ?? null,
  };
  const data = await loadTrainingSet(dataset, settings.limit, folder, (text) =>
    output.stderr(text),
  );
  output.stderr(
    `data: ${data.name}, ${data.size} images of ${data.shape.join('x')}${settings.limit !== null ? ` (--limit ${settings.limit})` : ''}\n`,
  );
  const transform = shiftTransform(1); // x ↦ x + 1, the reference's positivity transform
  const rng = Rng.fromSeed(settings.seed);
  // The data statistics choose a fresh run's SDE and preconditioning; a resumed run has both.
  const recipe = preset === 'edm' && !saved ? wideHorizonRecipe(data, transform) : undefined;
  if (recipe) {
    output.stderr(
      `recipe: log data mean ${recipe.statistics.mean.toFixed(4)}, sigma_data ${recipe.statistics.std.toFixed(4)}; horizon S(T) = ${recipe.horizon} (prior mismatch <= 0.1 nats/image)\n`,
    );
  } else if (preset === 'edm') {
    output.stderr('recipe: the SDE and preconditioning of the checkpoint\n');
  }
  const sde: SDE = saved?.sde
    ? sdeFromConfig(saved.sde)
    : (recipe?.sde ?? gbm({ prior: datasetPrior(dataset, data, transform, rng.split('prior')) }));
  const classes = recipe ? data.numClasses : 0;
  const model: Model = saved
    ? modelFromConfig(saved.model, rng.split('model'))
    : buildModel(
        recipe
          ? { ...settings.model, classes, preconditioning: recipe.preconditioning }
          : settings.model,
        data.shape,
        rng.split('model'),
      );
  const modelClasses = Number(model.config['classes'] ?? 0);
  const preconditioning = model.config['preconditioning'] as Preconditioning | null | undefined;

  const progress = new Progress(output, {
    label: 'train',
    total: settings.steps,
    start: saved?.step ?? 0,
    every: settings.logEvery,
  });
  const sampleShape = [settings.sampleCount, ...data.shape];
  const sample = async (score: ScoreFn, step: number, ema: ParamTree): Promise<tf.Tensor> => {
    progress.message(`step ${step}: sampling ${settings.sampleCount} images`);
    const samplerRng = Rng.fromSeed(settings.seed).split('samples'); // the same noise for every grid
    const { onStep, done } = samplerProgress(output, { lines: 5 });
    if (preconditioning) {
      // One class per column of the grid (labels 0…K−1 in turn) for a conditional model.
      const labels =
        modelClasses > 0 ? balancedLabels(settings.sampleCount, modelClasses) : undefined;
      const conditional = labels ? scoreFnFromModel(model, sde, { params: ema, labels }) : score;
      return heunSampler(conditional, sde, {
        steps: settings.sampleSteps,
        shape: sampleShape,
        rng: samplerRng,
        onStep,
      }).finally(done);
    }
    return daleLangevinSampler(score, sde, {
      steps: settings.sampleSteps,
      shape: sampleShape,
      rng: samplerRng,
      onStep,
    }).finally(done);
  };

  const cli: CliMeta = {
    preset,
    settings,
    ...((folder.resize !== null || folder.channels !== null) && { folder }),
  };
  const result = await train({
    model,
    sde,
    data,
    transform,
    steps: settings.steps,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    warmupSteps: settings.warmupSteps,
    ...(settings.gradClipNorm === null ? {} : { gradClipNorm: settings.gradClipNorm }),
    emaDecay: settings.emaDecay,
    seed: settings.seed,
    ...(modelClasses > 0 && {
      conditioning: { classes: modelClasses, dropout: settings.labelDropout },
    }),
    ...(preconditioning && {
      loss: denoiserLoss(preconditioning.sigmaData, trainingNoiseLevels(preconditioning.sigmaData)),
    }),
    outDir,
    checkpointEvery: settings.checkpointEvery,
    resume,
    ...(settings.sampleEvery > 0 ? { sampleEvery: settings.sampleEvery, sample } : {}),
    meta: {
      dataset: isDatasetName(dataset) ? dataset : data.name,
      cli: cli as unknown as JsonValue,
    },
    onStep: (m) => progress.update(m.step, { loss: m.loss.toFixed(4) }),
    ...(context.signal ? { signal: context.signal } : {}),
  });
  progress.done();
  disposeParams(result.ema);
  disposeParams(model.params);
  if (result.resumedFrom > 0) output.stderr(`resumed from step ${result.resumedFrom}\n`);
  if (result.status === 'aborted') {
    output.stderr(
      `interrupted by ${stopName(context.signal)} at step ${result.step}: checkpoint of step ${result.step} in ${checkpointDir}; continue with --resume\n`,
    );
    return stoppedExitCode(context.signal);
  }
  output.stdout(`trained ${result.step} steps: ${checkpointDir}\n`);
  return EXIT_CODES.ok;
}

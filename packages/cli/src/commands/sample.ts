/**
 * `dale sample`: load a checkpoint, rebuild its SDE and positivity transform, run a sampler with
 * progress and write a PNG grid (and optionally the raw samples as safetensors).
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DaleError, Rng } from '@dale/core';
import {
  encodePng,
  imageGrid,
  type TransformConfig,
  transformFromConfig,
  writeFileAtomic,
} from '@dale/data';
import {
  disposeParams,
  encodeSafetensors,
  loadCheckpoint,
  type SafetensorsTensor,
  scoreFnFromModel,
} from '@dale/models';
import { type AnySamplerOptions, getSampler, listSamplers, referencePreset } from '@dale/samplers';
import { type SDEConfig, sdeFromConfig } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { backendChoices, selectBackend } from '../backend.ts';
import { isDatasetName } from '../dataset.ts';
import { EXIT_CODES, UsageError } from '../errors.ts';
import {
  type CommandSpec,
  choiceOption,
  integerOption,
  type OptionValues,
  stringOption,
} from '../options.ts';
import type { Output } from '../output.ts';
import { samplerProgress } from '../progress.ts';
import type { RunContext } from './train.ts';

/** Short sampler names of `--sampler` and the registry names they stand for. */
export const SAMPLER_ALIASES: Readonly<Record<string, string>> = {
  pc: 'predictor-corrector',
  ode: 'probability-flow',
};

const ODE_METHODS = ['euler', 'heun', 'rk45'] as const;

/** The command line of `dale sample`. */
export const SAMPLE_COMMAND: CommandSpec = {
  name: 'sample',
  summary: 'draw samples from a checkpoint and write them as a PNG grid',
  usage: 'dale sample --checkpoint DIR [options]',
  options: {
    checkpoint: {
      type: 'string',
      value: 'DIR',
      description: 'a checkpoint directory, e.g. runs/mnist/checkpoint',
    },
    model: {
      type: 'string',
      value: 'NAME',
      description: 'a pretrained model instead of --checkpoint (none ships yet)',
    },
    sampler: {
      type: 'string',
      value: 'NAME',
      default: 'dale-langevin',
      description:
        'dale-langevin, sign-agnostic, pc (predictor-corrector), ode (probability flow), annealed-dale-langevin, annealed-sign-agnostic, or any registered sampler',
    },
    steps: {
      type: 'string',
      value: 'N',
      default: '1000',
      description: 'sampler steps (annealed samplers: noise levels)',
    },
    n: { type: 'string', value: 'N', default: '64', description: 'number of samples' },
    seed: { type: 'string', value: 'N', default: '0', description: 'seed of the sampler noise' },
    out: { type: 'string', value: 'FILE', default: 'samples.png', description: 'the PNG grid' },
    raw: {
      type: 'string',
      value: 'FILE',
      description: 'also write the samples before the inverse transform as safetensors',
    },
    backend: {
      type: 'string',
      value: 'auto|cpu|wasm',
      default: 'auto',
      description: 'compute backend (auto: the best available)',
    },
    weights: {
      type: 'string',
      value: 'ema|trained',
      default: 'ema',
      description: 'the EMA weights (when stored) or the trained weights',
    },
    'ode-method': {
      type: 'string',
      value: 'euler|heun|rk45',
      default: 'heun',
      description: 'integrator of --sampler ode (rk45 ignores --steps)',
    },
  },
  details: [
    'The SDE and the positivity transform come from the checkpoint (meta.sde, meta.transform);',
    'the samples are mapped back to [0, 1] with the transform inverse before the grid is drawn.',
    'Annealed samplers use the reference settings of the checkpoint dataset (meta.dataset).',
    '',
    'Example: dale sample --checkpoint runs/mnist/checkpoint --steps 500 --n 16 --out mnist.png',
  ].join('\n'),
};

function resolveSampler(values: OptionValues): string {
  const requested = stringOption(values, 'sampler') ?? 'dale-langevin';
  const name = SAMPLER_ALIASES[requested] ?? requested;
  if (!listSamplers().includes(name)) {
    throw new UsageError(
      `option --sampler of 'dale sample': expected one of ${[...Object.keys(SAMPLER_ALIASES), ...listSamplers()].join(', ')}, got '${requested}'`,
      'sample',
    );
  }
  return name;
}

function samplerSettings(
  name: string,
  steps: number,
  values: OptionValues,
  dataset: unknown,
  predicts: unknown,
): Record<string, unknown> {
  if (name === 'probability-flow') {
    const method = choiceOption(values, 'ode-method', 'sample', ODE_METHODS) ?? 'heun';
    return method === 'rk45' ? { method } : { method, steps };
  }
  if (name.startsWith('annealed-')) {
    if (predicts === 'noise') {
      throw new UsageError(
        `--sampler ${name} evaluates the score at t = 0 (its last level), where a noise-predicting model has none; use dale-langevin or sign-agnostic, which stop at t = 1e-3`,
        'sample',
      );
    }
    if (typeof dataset !== 'string' || !isDatasetName(dataset)) {
      throw new UsageError(
        `--sampler ${name} uses the reference settings of the checkpoint's dataset, and '${String(dataset)}' has none; use dale-langevin or sign-agnostic`,
        'sample',
      );
    }
    return { ...referencePreset(dataset, name.slice('annealed-'.length)), steps };
  }
  return { steps };
}

/**
 * Run `dale sample` with parsed options: sample from the checkpoint with progress on
 * `output.stderr`, write the grid (and `--raw`), and return the exit code.
 */
export async function runSample(
  values: OptionValues,
  output: Output,
  context: RunContext = {},
): Promise<number> {
  const pretrained = stringOption(values, 'model');
  if (pretrained !== undefined) {
    throw new UsageError(
      `--model ${pretrained}: no pretrained model ships with dale yet; train one with 'dale train --dataset mnist --out runs/mnist' and pass --checkpoint runs/mnist/checkpoint`,
      'sample',
    );
  }
  const checkpoint = stringOption(values, 'checkpoint');
  if (checkpoint === undefined)
    throw new UsageError("'dale sample' needs --checkpoint DIR", 'sample');
  const samplerName = resolveSampler(values);
  const steps = integerOption(values, 'steps', 'sample') ?? 1000;
  const n = integerOption(values, 'n', 'sample') ?? 64;
  const seed = integerOption(values, 'seed', 'sample', 0) ?? 0;
  const out = stringOption(values, 'out') ?? 'samples.png';
  const raw = stringOption(values, 'raw');
  const weights = choiceOption(values, 'weights', 'sample', ['ema', 'trained'] as const) ?? 'ema';
  const backend = choiceOption(values, 'backend', 'sample', backendChoices()) ?? 'auto';

  await selectBackend(backend, output);
  const loaded = await loadCheckpoint(checkpoint);
  const { model, ema, optimizer, meta } = loaded;
  if (optimizer) tf.dispose([...optimizer.tensors.values()]);
  try {
    if (!meta.sde) {
      throw new DaleError(
        'invalid-checkpoint',
        `${checkpoint}: the checkpoint's meta has no "sde"; dale sample needs the SDE it was trained with`,
      );
    }
    const sde = sdeFromConfig(meta.sde as unknown as SDEConfig);
    const transform = meta.transform
      ? transformFromConfig(meta.transform as unknown as TransformConfig)
      : undefined;
    const config = model.config as { inputShape?: readonly number[]; inputDim?: number };
    const shape = [n, ...(config.inputShape ?? [config.inputDim ?? 0])];
    const isImage = shape.length === 4;
    if (!isImage && raw === undefined) {
      throw new UsageError(
        `${checkpoint} holds a ${model.config.kind} model of non-image data (shape [${shape.slice(1).join(', ')}]): pass --raw FILE for the samples`,
        'sample',
      );
    }
    const score = scoreFnFromModel(model, sde, {
      params: weights === 'ema' && ema ? ema : model.params,
    });
    output.stderr(
      `sampling ${n} images with ${samplerName} (${weights === 'ema' && ema ? 'EMA' : 'trained'} weights of step ${String(meta.step ?? '?')})\n`,
    );
    const { onStep, done } = samplerProgress(
      output,
      context.signal ? { signal: context.signal } : {},
    );
    const options: AnySamplerOptions = {
      ...samplerSettings(samplerName, steps, values, meta.dataset, model.config['predicts']),
      shape,
      rng: Rng.fromSeed(seed),
      onStep,
    };
    const samples = await getSampler(samplerName)(score, sde, options);
    done();
    const pixels = tf.tidy(() => (transform ? transform.inverse(samples) : tf.clone(samples)));
    if (raw !== undefined) {
      mkdirSync(dirname(raw), { recursive: true });
      const tensor: SafetensorsTensor = {
        dtype: 'F32',
        shape: samples.shape,
        data: samples.dataSync() as Float32Array,
      };
      const bytes = encodeSafetensors([['samples', tensor]], {
        checkpoint,
        sampler: samplerName,
        steps: String(steps),
        seed: String(seed),
      });
      await writeFileAtomic(raw, bytes);
      output.stdout(`wrote ${n} raw samples to ${raw}\n`);
    }
    if (isImage) {
      const [count, h, w, c] = pixels.shape as [number, number, number, number];
      const grid = imageGrid(pixels.dataSync(), [count, h, w, c]);
      mkdirSync(dirname(out), { recursive: true });
      await writeFileAtomic(out, encodePng(grid));
      output.stdout(`wrote ${n} samples to ${out} (${grid.width}x${grid.height})\n`);
    }
    tf.dispose([samples, pixels]);
    return EXIT_CODES.ok;
  } finally {
    disposeParams(model.params);
    if (ema) disposeParams(ema);
  }
}

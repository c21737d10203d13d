/**
 * `dale sample`: load a checkpoint (or a pretrained model), run a sampler with progress and write
 * a PNG grid (optionally the raw samples as safetensors and an animation strip of the chain).
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Rng } from '@dale/core';
import { encodePng, imageGrid } from '@dale/data';
import { writeFileAtomic } from '@dale/data/node';
import { encodeSafetensors, type SafetensorsTensor } from '@dale/models';
import type * as tf from '@tensorflow/tfjs-core';
import { backendChoices, selectBackend } from '../backend.ts';
import { classAverageImages, loadClassAverages, START_CHOICES } from '../class-average-start.ts';
import { CONDITIONING_OPTIONS, resolveConditioning } from '../conditioning.ts';
import { EXIT_CODES, UsageError } from '../errors.ts';
import { type Generated, loadGenerator } from '../generate.ts';
import {
  BACKEND_OPTION,
  CHECKPOINT_OPTIONS,
  DEFAULT_SAMPLER_STEPS,
  DENOISER_DEFAULT_SAMPLER,
  defaultSteps,
  resolveCheckpoint,
  resolveSampler,
  SAMPLER_OPTIONS,
  samplerSettings,
  WEIGHT_CHOICES,
} from '../generation-options.ts';
import {
  type CommandSpec,
  choiceOption,
  integerOption,
  type OptionValues,
  stringOption,
} from '../options.ts';
import type { Output } from '../output.ts';
import { checkDistinctFiles, checkOutputFile } from '../paths.ts';
import { samplerProgress } from '../progress.ts';
import { stripImage } from '../strip.ts';
import type { RunContext } from './train.ts';

/** Samples (rows) of the `--strip`. */
export const STRIP_SAMPLES = 8;

/** Intermediate states (columns, besides the start) of the `--strip`. */
export const STRIP_COLUMNS = 10;

/** The command line of `dale sample`. */
export const SAMPLE_COMMAND = {
  name: 'sample',
  summary: 'draw samples from a checkpoint and write them as a PNG grid',
  usage: 'dale sample --checkpoint DIR | --model NAME [options]',
  options: {
    ...CHECKPOINT_OPTIONS,
    sampler: SAMPLER_OPTIONS.sampler,
    steps: SAMPLER_OPTIONS.steps,
    start: SAMPLER_OPTIONS.start,
    class: CONDITIONING_OPTIONS.class,
    guidance: CONDITIONING_OPTIONS.guidance,
    n: { type: 'string', value: 'N', default: 64, description: 'number of samples' },
    seed: SAMPLER_OPTIONS.seed,
    out: { type: 'string', value: 'FILE', default: 'samples.png', description: 'the PNG grid' },
    strip: {
      type: 'string',
      value: 'FILE',
      description: `also write a PNG of the chain: the first ${STRIP_SAMPLES} samples (rows) at the start and ${STRIP_COLUMNS} evenly spaced steps (columns)`,
    },
    raw: {
      type: 'string',
      value: 'FILE',
      description: 'also write the samples before the inverse transform as safetensors',
    },
    force: {
      type: 'boolean',
      description: 'overwrite an existing --out, --strip or --raw that is not a file of that kind',
    },
    backend: BACKEND_OPTION,
    weights: SAMPLER_OPTIONS.weights,
    'ode-method': SAMPLER_OPTIONS['ode-method'],
    spacing: SAMPLER_OPTIONS.spacing,
    'no-denoise': SAMPLER_OPTIONS['no-denoise'],
  },
  details: [
    'The SDE and the positivity transform come from the checkpoint (meta.sde, meta.transform);',
    'the samples are mapped back to [0, 1] with the transform inverse before the grid is drawn.',
    'Annealed samplers use the reference settings of the checkpoint dataset (meta.dataset).',
    `By default a denoiser checkpoint (the edm preset, the pretrained mnist) gets ${DENOISER_DEFAULT_SAMPLER}`,
    `with ${defaultSteps(DENOISER_DEFAULT_SAMPLER)} steps: 64 MNIST samples (guidance 1, the default of a model trained with label dropout) take under a minute on 2 CPU cores`,
    `(wasm). Other checkpoints get dale-langevin with ${DEFAULT_SAMPLER_STEPS} steps (quadratic grid, noise-free`,
    'last step): about a minute for 64 MNIST samples of the quick U-Net (mnist-paper); time',
    "grows with --steps, and --steps 1000 is the paper preset's setting.",
    '--start class-average starts sample i from the average training image of class i mod K,',
    "noised to T (the reference's alternative start): classes come out balanced. It reads",
    'class-averages.safetensors from the checkpoint directory (the pretrained models ship it),',
    'else computes the averages from the training split of meta.dataset.',
    '',
    'Examples:',
    '  dale sample --model mnist --out samples.png --strip chain.png',
    '  dale sample --model mnist --class 3 --guidance 2 --n 16 --out threes.png',
    '  dale sample --model mnist-paper --out paper.png',
    '  dale sample --checkpoint runs/mnist/checkpoint --steps 1000 --n 16 --out mnist.png',
  ].join('\n'),
} satisfies CommandSpec;

/**
 * Run `dale sample` with parsed options: sample from the checkpoint with progress on
 * `output.stderr`, write the grid (and `--strip`, `--raw`), and return the exit code.
 */
export async function runSample(
  values: OptionValues,
  output: Output,
  context: RunContext = {},
): Promise<number> {
  const { dir: checkpoint, deprecation } = resolveCheckpoint(values, 'sample');
  if (deprecation) output.stderr(deprecation);
  // An unknown --sampler is a usage error before any work; the default depends on the checkpoint.
  if (values.sampler !== undefined) resolveSampler(values, 'sample');
  // Each option's default is its spec's (SAMPLE_COMMAND), read through the accessors.
  const command = SAMPLE_COMMAND;
  const n = integerOption(values, 'n', command);
  const seed = integerOption(values, 'seed', command, 0);
  const out = stringOption(values, 'out', command);
  const strip = stringOption(values, 'strip');
  const raw = stringOption(values, 'raw');
  const weights = choiceOption(values, 'weights', command, WEIGHT_CHOICES);
  const backend = choiceOption(values, 'backend', command, backendChoices());
  const start = choiceOption(values, 'start', command, START_CHOICES);
  // Every output is checked before any work, so that a bad path never costs a sampler run.
  const force = values.force === true;
  checkDistinctFiles('sample', [
    ['out', out],
    ['strip', strip],
    ['raw', raw],
  ]);
  checkOutputFile(out, { option: 'out', command: 'sample', kind: 'png', force });
  if (strip !== undefined)
    checkOutputFile(strip, { option: 'strip', command: 'sample', kind: 'png', force });
  if (raw !== undefined)
    checkOutputFile(raw, { option: 'raw', command: 'sample', kind: 'safetensors', force });

  await selectBackend(backend, output);
  const generator = await loadGenerator(checkpoint, { weights });
  let generated: Generated | undefined;
  let startFrom: tf.Tensor | undefined;
  try {
    const { meta, model, sampleShape, isImage } = generator;
    const samplerName = resolveSampler(values, 'sample', model.config.predicts);
    const steps = integerOption(values, 'steps', 'sample') ?? defaultSteps(samplerName);
    const conditioning = resolveConditioning(
      values,
      'sample',
      Number(model.config['classes'] ?? 0),
      generator.defaultGuidance,
    );
    const labels = conditioning.labels(n, 0);
    if (!isImage && (raw === undefined || strip !== undefined)) {
      throw new UsageError(
        `${checkpoint} holds a ${model.config.kind} model of non-image data (shape [${sampleShape.join(', ')}]): pass --raw FILE for the samples${strip === undefined ? '' : ' (--strip needs images)'}`,
        'sample',
      );
    }
    const settings = samplerSettings(samplerName, steps, values, 'sample', {
      dataset: meta.dataset,
      predicts: model.config.predicts,
      T: generator.sde.T,
    });
    if (start === 'class-average') {
      const averages = await loadClassAverages(checkpoint, meta.dataset, 'sample');
      startFrom = classAverageImages(averages, n);
      output.stderr(`starting from the class averages of ${averages.source}, noised to T\n`);
    }
    output.stderr(
      `sampling ${n} ${isImage ? 'images' : 'samples'} with ${samplerName}, ${steps} steps (${generator.usesEma ? 'EMA' : 'trained'} weights of step ${String(meta.step ?? '?')}${conditioning.classChoice === null ? '' : `; ${conditioning.description}`})\n`,
    );
    const { onStep, done } = samplerProgress(
      output,
      context.signal ? { signal: context.signal } : {},
    );
    generated = await generator
      .generate({
        n,
        sampler: samplerName,
        settings,
        rng: Rng.fromSeed(seed),
        onStep,
        ...(startFrom ? { startFrom } : {}),
        ...(labels ? { labels, guidance: conditioning.guidance } : {}),
        ...(strip === undefined
          ? {}
          : { snapshots: { count: STRIP_SAMPLES, columns: STRIP_COLUMNS } }),
      })
      .finally(done);
    const { samples, pixels, snapshots } = generated;
    if (raw !== undefined) {
      mkdirSync(dirname(raw), { recursive: true });
      const tensor: SafetensorsTensor = {
        dtype: 'F32',
        shape: samples.shape,
        data: (await samples.data()) as Float32Array,
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
      // Asynchronous reads: TensorFlow.js's WebGPU backend cannot read synchronously in Node.
      const grid = imageGrid(await pixels.data(), [count, h, w, c]);
      mkdirSync(dirname(out), { recursive: true });
      await writeFileAtomic(out, encodePng(grid));
      output.stdout(`wrote ${n} samples to ${out} (${grid.width}x${grid.height})\n`);
    }
    if (strip !== undefined && snapshots) {
      const image = await stripImage(snapshots);
      mkdirSync(dirname(strip), { recursive: true });
      await writeFileAtomic(strip, encodePng(image));
      output.stdout(
        `wrote the chain of ${snapshots.pixels[0]!.shape[0]} samples at steps ${snapshots.steps.join(', ')} to ${strip} (${image.width}x${image.height})\n`,
      );
    }
    return EXIT_CODES.ok;
  } finally {
    generated?.dispose();
    startFrom?.dispose();
    generator.dispose();
  }
}

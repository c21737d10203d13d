import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, useBackend } from '@dale/core';
import { decodePng } from '@dale/data';
import { decodeSafetensors } from '@dale/models';
import { PRETRAINED_MODELS, pretrainedModelDir } from '@dale/pretrained';
import { gbm, REFERENCE_PRIORS } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLASS_AVERAGES_FILE,
  classAverageImages,
  encodeClassAverages,
  loadClassAverages,
} from '../src/class-average-start.ts';
import { loadTrainingSet } from '../src/dataset.ts';
import { bufferOutput, main } from '../src/index.ts';
import { writeTinyCheckpoint } from './tiny-checkpoint.ts';

const root = mkdtempSync(join(tmpdir(), 'dale-cli-start-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  await useBackend('cpu');
});

async function dale(...args: string[]) {
  const output = bufferOutput();
  const code = await main(args, { output });
  return { code, out: output.out, err: output.err };
}

/** `dale sample` of 2 images on cpu from `checkpoint`, plus `extra` options. */
const sampleTwo = (checkpoint: string, steps: number, ...extra: string[]) =>
  dale(
    'sample',
    '--checkpoint',
    checkpoint,
    '--n',
    '2',
    '--steps',
    String(steps),
    '--backend',
    'cpu',
    ...extra,
  );

/** Two 28×28 "class averages": a dark image and a bright one. */
const TWO_CLASSES = new Float32Array(2 * 784).map((_, i) => (i < 784 ? 0.1 : 0.9));

describe('classAverageImages', () => {
  it('gives sample i the average of class (offset + i) mod K', () => {
    const averages = { values: TWO_CLASSES, shape: [28, 28, 1], source: 'test' };
    const images = classAverageImages(averages, 5, 3);
    expect(images.shape).toEqual([5, 28, 28, 1]);
    const means = tf.tidy(() => tf.mean(images, [1, 2, 3]).arraySync() as number[]);
    images.dispose();
    // offset 3: classes 1, 0, 1, 0, 1
    expect(means.map((m) => Math.round(m * 10) / 10)).toEqual([0.9, 0.1, 0.9, 0.1, 0.9]);
  });
});

describe('the pretrained models', () => {
  it('ship the class averages of the images each was trained on, class k at index k', async () => {
    for (const name of PRETRAINED_MODELS) {
      const dir = pretrainedModelDir(name);
      const { dataset } = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).meta;
      // As dale train takes them: the training split (KMNIST: the 8,000 of its domain split).
      const train = (await loadTrainingSet(dataset, null)).classAverageValues();
      const shipped = await loadClassAverages(dir, dataset, 'sample');
      expect(shipped.shape, name).toEqual([28, 28, 1]);
      expect(shipped.values, name).toEqual(train);
    }
  }, 120_000);

  it('dale sample --model mnist --start class-average: the class-conditional model starts from them', async () => {
    const run = await dale(
      'sample',
      '--model',
      'mnist',
      '--start',
      'class-average',
      ...['--n', '2', '--steps', '2', '--guidance', '1', '--backend', 'cpu'],
      ...['--out', join(root, 'mnist-class-average.png')],
    );
    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain(
      `starting from the class averages of ${join(pretrainedModelDir('mnist'), CLASS_AVERAGES_FILE)}`,
    );
    expect(run.err).toContain('with dpm-solver-2m, 2 steps');
  });
});

describe('dale sample --start class-average', () => {
  it('starts sample i from class i mod K noised to T (the strip shows the start)', async () => {
    const checkpoint = await writeTinyCheckpoint(join(root, 'tiny'));
    writeFileSync(
      join(checkpoint, CLASS_AVERAGES_FILE),
      encodeClassAverages(TWO_CLASSES, [28, 28, 1]),
    );
    const strip = join(root, 'strip.png');
    const common = ['sample', '--checkpoint', checkpoint, '--n', '4', '--steps', '2'];
    const run = await dale(
      ...common,
      '--start',
      'class-average',
      '--backend',
      'cpu',
      '--out',
      join(root, 'a.png'),
      '--strip',
      strip,
    );
    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain(
      `starting from the class averages of ${join(checkpoint, CLASS_AVERAGES_FILE)}`,
    );
    // The start x_T, recomputed: x0 = average + 1 (the checkpoint's transform), then the GBM
    // marginal at T with the first draws of the seed-0 stream, mapped back to pixels.
    const rng = Rng.fromSeed(0);
    const sde = gbm({ prior: REFERENCE_PRIORS.mnist });
    const x0 = tf.tidy(() =>
      tf.add(classAverageImages({ values: TWO_CLASSES, shape: [28, 28, 1], source: '' }, 4), 1),
    );
    const { xt, noise } = sde.sampleMarginal(x0, sde.T, rng);
    const expected = tf.tidy(() => tf.clipByValue(tf.sub(xt, 1), 0, 1).dataSync() as Float32Array);
    tf.dispose([x0, xt, ...(noise ? [noise] : [])]);
    const png = decodePng(readFileSync(strip), strip);
    let worst = 0;
    for (let k = 0; k < 4; k++) {
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const got = png.values[(2 + k * 30 + y) * png.width + 2 + x]!;
          worst = Math.max(worst, Math.abs(got - expected[k * 784 + y * 28 + x]!));
        }
      }
    }
    // 8-bit PNG: within one grey level.
    expect(worst).toBeLessThanOrEqual(1 / 255 + 1e-6);
  });

  it('without the file, needs a dataset it can load, and says so', async () => {
    const checkpoint = await writeTinyCheckpoint(join(root, 'nofile'), { dataset: 'no-such-set' });
    const run = await sampleTwo(
      checkpoint,
      1,
      '--start',
      'class-average',
      '--out',
      join(root, 'b.png'),
    );
    expect(run.code).toBe(2);
    expect(run.err).toContain(
      `has no ${CLASS_AVERAGES_FILE} and its dataset ("no-such-set") is neither`,
    );
    const bad = await dale(
      'sample',
      '--checkpoint',
      checkpoint,
      '--start',
      'average',
      '--out',
      join(root, 'c.png'),
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--start.*expected.*prior.*class-average.*got 'average'/);
  });
});

describe('dale sample --spacing and --no-denoise (as documented)', () => {
  it('are accepted and change the samples', async () => {
    const checkpoint = await writeTinyCheckpoint(join(root, 'grid'));
    const raw = async (...extra: string[]) => {
      const file = join(root, `raw${extra.join('')}.safetensors`);
      const run = await sampleTwo(
        checkpoint,
        3,
        '--out',
        join(root, 'g.png'),
        '--raw',
        file,
        ...extra,
      );
      expect(run.code, run.err).toBe(0);
      return decodeSafetensors(readFileSync(file)).tensors.get('samples')!.data;
    };
    const quadratic = await raw();
    expect(await raw('--spacing', 'quadratic')).toEqual(quadratic);
    expect(await raw('--spacing', 'uniform')).not.toEqual(quadratic);
    expect(await raw('--no-denoise')).not.toEqual(quadratic);
  });
});

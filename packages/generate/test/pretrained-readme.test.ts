// The code snippet of @dale/pretrained's README, which samples the pretrained model with this
// package. It is tested here because @dale/generate's tests already use @dale/pretrained: a test
// in @dale/pretrained would make the two packages depend on each other.
import { Rng, useBackend } from '@dale/core';
import { loadCheckpoint } from '@dale/models/node';
import { pretrainedModelDir } from '@dale/pretrained';
import { readmeSnippet } from '@dale/testing/readme-snippet';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { generatorFromCheckpoint } from '../src/index.ts';

const README = new URL('../../pretrained/README.md', import.meta.url);

describe('the README of @dale/pretrained', () => {
  it('runs its snippet: 4 digits of the default model, as pixels in [0, 1]', async () => {
    const before = tf.memory().numTensors;
    // README:start
    await useBackend('cpu');
    const checkpoint = await loadCheckpoint(pretrainedModelDir('mnist'));
    const generator = generatorFromCheckpoint(checkpoint, { source: 'mnist' });
    const run = await generator.generate({
      n: 4,
      sampler: 'dpm-solver-2m',
      settings: { steps: 12 },
      labels: [3, 1, 4, 1], // the digits asked for
      guidance: 1,
      rng: Rng.fromSeed(0),
    });
    const pixels = await run.pixels.data(); // 4 images, 28 × 28, in [0, 1]
    run.dispose();
    generator.dispose();
    // README:end

    expect(checkpoint.model.config.predicts).toBe('denoiser');
    expect(checkpoint.model.config['classes']).toBe(10);
    expect(pixels).toHaveLength(4 * 28 * 28);
    expect(pixels.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const { shown, tested } = readmeSnippet(import.meta.url, '', README);
    expect(shown).toEqual(tested); // the README shows exactly these lines
  });
});

import { Rng, useBackend } from '@dale/core';
import { disposeParams, scoreFnFromModel } from '@dale/models';
import { loadCheckpoint } from '@dale/models/node';
import { daleLangevinSampler } from '@dale/samplers';
import { type SDEConfig, sdeFromConfig } from '@dale/sde';
import { readmeSnippet } from '@dale/testing/readme-snippet';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { pretrainedModelDir } from '../src/index.ts';

describe('README', () => {
  it('runs the snippet (the same lines as README.md)', async () => {
    // README:start
    await useBackend('cpu');
    const { model, ema, meta } = await loadCheckpoint(pretrainedModelDir('mnist'));
    const sde = sdeFromConfig(meta.sde as unknown as SDEConfig); // the GBM it was trained with
    const score = scoreFnFromModel(model, sde, { params: ema ?? model.params });
    const x = await daleLangevinSampler(score, sde, {
      shape: [2, 28, 28, 1],
      steps: 3, // 500 for real samples
      rng: Rng.fromSeed(0),
    });
    const pixels = tf.sub(tf.clipByValue(x, 1, 2), 1); // undo x ↦ x + 1: images in [0, 1]
    // README:end

    expect(pixels.shape).toEqual([2, 28, 28, 1]);
    const values = pixels.dataSync();
    expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(meta.dataset).toBe('mnist');
    const { shown, tested } = readmeSnippet(import.meta.url);
    expect(shown).toEqual(tested); // the README shows exactly these lines
    tf.dispose([x, pixels]);
    disposeParams(model.params);
    if (ema) disposeParams(ema);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, useBackend } from '@dale/core';
import { createUnet, type Model } from '@dale/models';
import { gbm } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TrainingData, train } from '../src/index.ts';

const root = mkdtempSync(join(tmpdir(), 'dale-train-conditioning-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  await useBackend('cpu');
});

const K = 3;
/** 12 positive 4×4 images with labels 0, 1, 2, 0, 1, 2, … */
const data: TrainingData = {
  size: 12,
  batch(indices) {
    const images = tf.tidy(() =>
      tf.add(tf.randomUniform([indices.length, 4, 4, 1], 0, 1, 'float32', 1), 1),
    );
    const labelValues = Int32Array.from(indices, (i) => i % K);
    return { images, labelValues, dispose: () => images.dispose() };
  },
};

/** A small conditional U-Net whose `apply` records the labels of every training call. */
function recordingModel(seen: number[][]): Model {
  const unet = createUnet(
    {
      inputShape: [4, 4, 1],
      baseChannels: 4,
      channelMultipliers: [1],
      resBlocksPerLevel: 1,
      attentionResolutions: [],
      groups: 2,
      timeEmbedding: 8,
      dropout: 0,
      classes: K,
    },
    Rng.fromSeed(0),
  );
  return {
    ...unet,
    apply: (params, x, t, options) => {
      if (options?.labels) seen.push(Array.from(options.labels));
      return unet.apply(params as never, x, t, options);
    },
  } as Model;
}

describe('class-conditional training', () => {
  it('feeds each example its label, dropped to "no class" at the given rate', async () => {
    const seen: number[][] = [];
    const model = recordingModel(seen);
    const dropout = 0.3;
    const steps = 60;
    await train({
      model,
      sde: gbm(),
      data,
      steps,
      batchSize: 6,
      seed: 1,
      outDir: join(root, 'rate'),
      checkpointEvery: 1000,
      lossCurve: false,
      conditioning: { classes: K, dropout },
    });
    expect(seen.length).toBe(steps);
    const all = seen.flat();
    const dropped = all.filter((l) => l === K).length / all.length;
    const se = Math.sqrt((dropout * (1 - dropout)) / all.length);
    expect(Math.abs(dropped - dropout)).toBeLessThan(5 * se);
    expect(all.every((l) => Number.isInteger(l) && l >= 0 && l <= K)).toBe(true);
  }, 120_000);

  it('refuses unlabelled data and a class count that is not the model’s', async () => {
    const model = recordingModel([]);
    const unlabelled: TrainingData = {
      size: 12,
      batch: (indices) => {
        const images = tf.ones([indices.length, 4, 4, 1]);
        return { images, dispose: () => images.dispose() };
      },
    };
    const base = { model, sde: gbm(), steps: 1, batchSize: 4, seed: 0, lossCurve: false };
    await expect(
      train({
        ...base,
        data: unlabelled,
        outDir: join(root, 'a'),
        conditioning: { classes: K, dropout: 0.1 },
      }),
    ).rejects.toThrow(/labelled data/);
    await expect(
      train({ ...base, data, outDir: join(root, 'b'), conditioning: { classes: 5, dropout: 0.1 } }),
    ).rejects.toThrow(/config.classes/);
  });
});

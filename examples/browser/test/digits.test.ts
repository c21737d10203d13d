import { readFile } from 'node:fs/promises';
import { geometricSchedule, Rng, useBackend } from '@dale/core';
import {
  checkpointFromBytes,
  createUnet,
  disposeParams,
  type LoadedCheckpoint,
  scoreFnFromModel,
} from '@dale/models';
import { dpmSolverSampler } from '@dale/samplers';
import { GBM } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classesOf, sampleDigits, samplerOf } from '../src/digits.ts';

// The files the page fetches (`mnist`), read from the package that ships them, and the
// unconditional paper-recipe model beside them.
const modelsDir = new URL('../node_modules/@dale/pretrained/models/', import.meta.url);
const readCheckpoint = async (name: string) =>
  checkpointFromBytes(
    {
      config: await readFile(new URL(`${name}/config.json`, modelsDir), 'utf8'),
      model: new Uint8Array(await readFile(new URL(`${name}/model.safetensors`, modelsDir))),
    },
    { source: name },
  );
let checkpoint: LoadedCheckpoint;
let paper: LoadedCheckpoint;

beforeAll(async () => {
  await useBackend('cpu');
  checkpoint = await readCheckpoint('mnist');
  paper = await readCheckpoint('mnist-paper');
});
afterAll(() => {
  for (const loaded of [checkpoint, paper]) {
    disposeParams(loaded.model.params);
    if (loaded.ema) disposeParams(loaded.ema);
  }
});

describe('sampleDigits (what the page runs, here on the cpu backend)', () => {
  it('samples the pretrained checkpoint into pixels in [0, 1], reproducibly by seed, leaking no tensors', async () => {
    expect(samplerOf(checkpoint)).toMatchObject({ name: 'dpm-solver-2m', steps: 12 });
    expect(classesOf(checkpoint)).toBe(10);
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const options = { count: 2, steps: 2, seed: 7, guidance: 1 };
    const a = await sampleDigits(checkpoint, { ...options, onStep: (step) => progress.push(step) });
    expect(a.shape).toEqual([2, 28, 28, 1]);
    expect(a.values).toHaveLength(2 * 28 * 28);
    expect(a.values.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(progress).toEqual([1, 2]);
    const b = await sampleDigits(checkpoint, options);
    expect(b.values).toEqual(a.values);
    const c = await sampleDigits(checkpoint, { ...options, seed: 8 });
    expect(c.values).not.toEqual(a.values);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('samples the unconditional mnist-paper with Dale–Langevin', async () => {
    expect(samplerOf(paper)).toMatchObject({ name: 'dale-langevin', steps: 100 });
    expect(classesOf(paper)).toBe(0);
    const progress: number[] = [];
    const digits = await sampleDigits(paper, {
      count: 2,
      steps: 2,
      seed: 7,
      onStep: (step) => progress.push(step),
    });
    expect(digits.shape).toEqual([2, 28, 28, 1]);
    expect(progress).toEqual([1, 2]);
  });

  it('refuses a checkpoint without the SDE it was trained with', async () => {
    const { sde: _, ...meta } = checkpoint.meta;
    await expect(
      sampleDigits({ ...checkpoint, meta }, { count: 1, steps: 1, seed: 0 }),
    ).rejects.toThrow(/the checkpoint's meta has no "sde"/);
  });
});

describe('sampleDigits of a class-conditional denoiser (an untrained tiny one)', () => {
  const schedule = geometricSchedule({
    sigmaMin: 0.002,
    sigmaMax: 7.6,
    mu: { sigmaSquaredRatio: 0.5 },
  });
  const sde = new GBM({ schedule, prior: { m: 0.095, s: 7.6 } });
  const model = createUnet(
    {
      inputShape: [28, 28, 1],
      baseChannels: 8,
      channelMultipliers: [1, 2],
      resBlocksPerLevel: 1,
      attentionResolutions: [],
      timeEmbedding: 16,
      classes: 10,
      predicts: 'denoiser',
      inputTransform: 'identity',
      preconditioning: { sigmaData: 0.219, dataMean: 0.095 },
    },
    Rng.fromSeed(0),
  );
  const tiny: LoadedCheckpoint = {
    model,
    meta: { sde: sde.toJSON() as never, transform: { kind: 'shift', c: 1 } },
  } as LoadedCheckpoint;
  afterAll(() => disposeParams(model.params));

  it('uses DPM-Solver++(2M) with the digit and guidance asked for', async () => {
    expect(samplerOf(tiny)).toMatchObject({ name: 'dpm-solver-2m', steps: 12 });
    const got = await sampleDigits(tiny, { count: 2, steps: 3, seed: 1, digit: 7, guidance: 1.5 });
    const score = scoreFnFromModel(model, sde, { labels: [7, 7], guidance: 1.5 });
    const x = await dpmSolverSampler(score, sde, {
      shape: [2, 28, 28, 1],
      steps: 3,
      rng: Rng.fromSeed(1),
    });
    const want = tf.tidy(() => tf.clipByValue(tf.sub(tf.clipByValue(x, 1, 2), 1), 0, 1).dataSync());
    x.dispose();
    expect(got.values).toEqual(want);
    const other = await sampleDigits(tiny, {
      count: 2,
      steps: 3,
      seed: 1,
      digit: 2,
      guidance: 1.5,
    });
    expect(other.values).not.toEqual(got.values);
  });

  it('refuses a digit outside 0–9 and a digit for an unconditional model', async () => {
    await expect(sampleDigits(tiny, { count: 1, steps: 1, seed: 0, digit: 10 })).rejects.toThrow(
      /\[0, 9\]/,
    );
    await expect(sampleDigits(paper, { count: 1, steps: 1, seed: 0, digit: 3 })).rejects.toThrow(
      /unconditional/,
    );
  });
});

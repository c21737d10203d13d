import { readFile } from 'node:fs/promises';
import { useBackend } from '@dale/core';
import { checkpointFromBytes, disposeParams, type LoadedCheckpoint } from '@dale/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleDigits } from '../src/digits.ts';

// The files the page fetches, read from the package that ships them.
const modelDir = new URL('../node_modules/@dale/pretrained/models/mnist/', import.meta.url);
let checkpoint: LoadedCheckpoint;

beforeAll(async () => {
  await useBackend('cpu');
  checkpoint = await checkpointFromBytes(
    {
      config: await readFile(new URL('config.json', modelDir), 'utf8'),
      model: new Uint8Array(await readFile(new URL('model.safetensors', modelDir))),
    },
    { source: 'mnist' },
  );
});
afterAll(() => {
  disposeParams(checkpoint.model.params);
  if (checkpoint.ema) disposeParams(checkpoint.ema);
});

describe('sampleDigits (what the page runs, here on the cpu backend)', () => {
  it('samples the pretrained checkpoint into pixels in [0, 1], reproducibly by seed, leaking no tensors', async () => {
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const options = { count: 2, steps: 2, seed: 7 };
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

  it('refuses a checkpoint without the SDE it was trained with', async () => {
    const { sde: _, ...meta } = checkpoint.meta;
    await expect(
      sampleDigits({ ...checkpoint, meta }, { count: 1, steps: 1, seed: 0 }),
    ).rejects.toThrow(/the checkpoint's meta has no "sde"/);
  });
});

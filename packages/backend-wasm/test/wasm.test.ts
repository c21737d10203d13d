import { Rng, randomNormal, useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../src/index.ts';
import { maxRelativeError, on } from './compare.ts';

describe('@dale/backend-wasm', () => {
  it('is chosen by auto over cpu and reports its device', async () => {
    const chosen = await useBackend('auto');
    expect(chosen.name).toBe('wasm');
    expect(chosen.tfBackend).toBe('wasm');
    expect(chosen.device).toMatch(/WebAssembly/);
  });

  it('a dense layer and its gradients match the cpu backend (the reference) to float32 precision', async () => {
    // Inputs are drawn with dale's Rng, so both backends see identical numbers.
    const compute = () => {
      const rng = Rng.fromSeed(0);
      const x = randomNormal(rng, [64, 40]);
      const w = randomNormal(rng, [40, 24]);
      const b = randomNormal(rng, [24]);
      const loss = (wv: tf.Tensor, bv: tf.Tensor) =>
        tf.sum(tf.square(tf.sigmoid(tf.add(tf.matMul(x, wv), bv))));
      const [gw, gb] = tf.grads(loss)([w, b]);
      return [tf.add(tf.matMul(x, w), b), gw!, gb!];
    };
    const reference = await on('cpu', compute);
    const wasm = await on('wasm', compute);
    reference.forEach((r, i) => expect(maxRelativeError(wasm[i]!, r)).toBeLessThan(1e-5));
  });

  it('a convolution forward pass matches the cpu backend', async () => {
    const compute = () => {
      const rng = Rng.fromSeed(1);
      const x = randomNormal(rng, [2, 9, 9, 3]);
      const k = randomNormal(rng, [3, 3, 3, 5]);
      return [tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 2, 'same')];
    };
    const [reference] = await on('cpu', compute);
    const [wasm] = await on('wasm', compute);
    expect(maxRelativeError(wasm!, reference!)).toBeLessThan(1e-5);
  });
});

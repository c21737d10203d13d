import { Rng, randomNormal, useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { accumulatedGradients, type BatchLoss } from '../src/index.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

const w = tf.variable(tf.tensor2d([0.3, -0.2, 0.5, 0.1, -0.4, 0.7], [3, 2]), true, 'acc-w');
const b = tf.variable(tf.tensor1d([0.05, -0.1]), true, 'acc-b');
const x0 = tf.tidy(() => randomNormal(Rng.fromSeed(1), [7, 3]));

/** A batch-mean loss whose noise comes from the stream: mean_i ‖(x_i + 0.1 z_i)W + b‖². */
const noisy: BatchLoss = (x, rng) =>
  tf.tidy(() => {
    const z = randomNormal(rng, x.shape);
    const y = tf.add(tf.matMul(tf.add(x, tf.mul(z, 0.1)) as tf.Tensor2D, w), b);
    return tf.mean(tf.sum(tf.square(y), 1)) as tf.Scalar;
  });
/** The same loss without noise. */
const exact: BatchLoss = (x) =>
  tf.tidy(
    () => tf.mean(tf.sum(tf.square(tf.add(tf.matMul(x as tf.Tensor2D, w), b)), 1)) as tf.Scalar,
  );

const values = (g: tf.NamedTensorMap) =>
  Object.fromEntries(Object.entries(g).map(([k, v]) => [k, Array.from(v.dataSync())]));
const release = (r: { value: tf.Tensor; grads: tf.NamedTensorMap }) =>
  tf.dispose([r.value, ...Object.values(r.grads)]);

describe('accumulatedGradients', () => {
  it('without micro-batches (or with one that covers the batch) it is tf.variableGrads with the same stream', () => {
    const direct = tf.variableGrads(() => noisy(x0, Rng.fromSeed(5)), [w, b]);
    for (const micro of [undefined, 7, 100]) {
      const got = accumulatedGradients(noisy, x0, Rng.fromSeed(5), [w, b], micro);
      expect(got.value.dataSync()[0]).toBe(direct.value.dataSync()[0]);
      expect(values(got.grads)).toEqual(values(direct.grads));
      release(got);
    }
    release(direct);
  });

  it('a deterministic loss gives the full-batch loss and gradients for any micro-batch size', () => {
    const full = tf.variableGrads(() => exact(x0, Rng.fromSeed(0)), [w, b]);
    const want = values(full.grads);
    for (const micro of [1, 2, 3, 6]) {
      const got = accumulatedGradients(exact, x0, Rng.fromSeed(0), [w, b], micro);
      expect(got.value.dataSync()[0]).toBeCloseTo(full.value.dataSync()[0]!, 5);
      const have = values(got.grads);
      for (const name of Object.keys(want)) {
        have[name]!.forEach((v, i) => expect(v).toBeCloseTo(want[name]![i]!, 5));
      }
      release(got);
    }
    release(full);
  });

  it('each micro-batch draws its noise from its own split stream, weighted by its size', () => {
    const rng = Rng.fromSeed(9);
    const got = accumulatedGradients(noisy, x0, rng, [w, b], 3); // sizes 3, 3, 1
    const parent = Rng.fromSeed(9); // split in the same order: a split advances its counter
    const parts = [0, 3, 6].map((start, i) => {
      const size = Math.min(3, 7 - start);
      const part = tf.slice(x0, start, size);
      const value = noisy(part, parent.split(`micro-${i}`));
      const out = (value.dataSync()[0]! * size) / 7;
      tf.dispose([part, value]);
      return out;
    });
    expect(got.value.dataSync()[0]).toBeCloseTo(parts[0]! + parts[1]! + parts[2]!, 5);
    release(got);
  });

  it('leaks no tensors over repeated calls', () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++)
      release(accumulatedGradients(noisy, x0, Rng.fromSeed(i), [w, b], 2));
    expect(tf.memory().numTensors).toBe(before);
  });
});

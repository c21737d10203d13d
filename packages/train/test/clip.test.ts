import { useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipByGlobalNorm, globalNorm } from '../src/index.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

/** Eleven gradients (more than one `addN` of four) with known squared norms 1², 2², …, 11². */
function gradients(): Map<string, tf.Tensor> {
  const grads = new Map<string, tf.Tensor>();
  for (let i = 1; i <= 11; i++) grads.set(`g${i}`, tf.tensor([0.6 * i, 0.8 * i]));
  return grads;
}

describe('gradient clipping', () => {
  it('globalNorm is √(Σ‖g‖²) over any number of gradients', () => {
    const grads = gradients();
    const expected = Math.sqrt(
      Array.from({ length: 11 }, (_, i) => (i + 1) ** 2).reduce((a, b) => a + b),
    );
    const norm = globalNorm(grads);
    expect(norm.dataSync()[0]).toBeCloseTo(expected, 4);
    tf.dispose([norm, ...grads.values()]);
  });

  it('clipByGlobalNorm scales to maxNorm, from a norm it computes or one it is given', () => {
    const grads = gradients();
    const computed = clipByGlobalNorm(grads, 5);
    expect(computed.norm).toBeCloseTo(Math.sqrt(506), 4);
    const clippedNorm = globalNorm(computed.grads);
    expect(clippedNorm.dataSync()[0]).toBeCloseTo(5, 4);
    // A given norm is used as is (the trainer reads it asynchronously): here twice the true one.
    const given = clipByGlobalNorm(grads, 5, 2 * Math.sqrt(506));
    expect(given.norm).toBeCloseTo(2 * Math.sqrt(506), 4);
    expect(given.grads.get('g1')!.dataSync()[0]).toBeCloseTo((0.6 * 5) / (2 * Math.sqrt(506)), 5);
    // Below the bound nothing changes.
    expect(clipByGlobalNorm(grads, 100).grads.get('g3')).toBe(grads.get('g3'));
    tf.dispose([
      clippedNorm,
      ...grads.values(),
      ...computed.grads.values(),
      ...given.grads.values(),
    ]);
  });
});

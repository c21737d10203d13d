import { DaleError, Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEma, createMlp, disposeParams, flattenParams } from '../src/index.ts';
import { maxRelativeError, normalTensor, onCpu, values } from './helpers.ts';

beforeAll(onCpu);

/** A two-leaf parameter tree with fixed values. */
function tree(seed: number) {
  return tf.tidy(() => ({
    a: tf.variable(normalTensor(seed, [3, 2])),
    nested: [{ b: tf.variable(normalTensor(seed + 1, [4])) }],
  }));
}

describe('EMA of weights', () => {
  it('with constant weights c, after n updates θ̄ = dⁿ θ̄₀ + (1 − dⁿ) c (closed form)', () => {
    const params = tree(1);
    const ema = createEma(params, 0.9);
    const start = flattenParams(params).map(([, v]) => values(v));
    const c = tree(10);
    const n = 37;
    for (let k = 0; k < n; k++) ema.update(c);
    expect(ema.updates).toBe(n);
    const dn = 0.9 ** n;
    flattenParams(ema.params).forEach(([name, shadow], i) => {
      const target = values(flattenParams(c).find(([m]) => m === name)![1]);
      const expected = start[i]!.map((s0, j) => dn * s0 + (1 - dn) * target[j]!);
      expect(maxRelativeError(values(shadow), expected)).toBeLessThan(1e-5);
    });
    // The model's own weights are untouched by the EMA.
    expect(flattenParams(params).map(([, v]) => values(v))).toEqual(start);
    ema.dispose();
    disposeParams(params);
    disposeParams(c);
  });

  it('with changing weights θ_k, θ̄ₙ = dⁿ θ̄₀ + (1 − d) Σₖ d^{n−k} θ_k', () => {
    const params = tree(2);
    const ema = createEma(params, 0.75);
    const s0 = values(params.a);
    const direction = normalTensor(5, [3, 2]);
    const dir = values(direction);
    const n = 12;
    for (let k = 1; k <= n; k++) {
      tf.tidy(() => params.a.assign(tf.mul(direction, k))); // θ_k = k·v
      ema.update(params);
    }
    let weight = 0; // Σ d^{n−k} k
    for (let k = 1; k <= n; k++) weight += 0.75 ** (n - k) * k;
    const expected = s0.map((v, j) => 0.75 ** n * v + 0.25 * weight * dir[j]!);
    expect(maxRelativeError(values(ema.params.a), expected)).toBeLessThan(1e-5);
    ema.dispose();
    disposeParams(params);
    direction.dispose();
  });

  it('warm-up uses dₖ = min(d, (1 + k)/(10 + k)), also when resumed', () => {
    const params = tree(3);
    const ema = createEma(params, 0.5, { warmup: true });
    expect(ema.nextDecay()).toBeCloseTo(0.1, 12);
    const s0 = values(params.a);
    const c = tree(20);
    const cv = values(c.a);
    let keep = 1; // Π dₖ
    for (let k = 0; k < 8; k++) {
      keep *= Math.min(0.5, (1 + k) / (10 + k));
      ema.update(c);
    }
    const expected = s0.map((v, j) => keep * v + (1 - keep) * cv[j]!);
    expect(maxRelativeError(values(ema.params.a), expected)).toBeLessThan(1e-5);
    expect(ema.nextDecay()).toBe(0.5); // (1 + 8)/(10 + 8) = 0.5
    const resumed = createEma(params, 0.999, { warmup: true, updates: 90 });
    expect(resumed.nextDecay()).toBeCloseTo(91 / 100, 12);
    expect(createEma(params, 0.999, { updates: 5 }).nextDecay()).toBe(0.999);
    for (const e of [ema, resumed]) e.dispose();
    disposeParams(params);
    disposeParams(c);
  });

  it('swap exchanges model and shadow weights (twice restores), copyTo copies', () => {
    const params = tree(4);
    const ema = createEma(params, 0.5);
    const c = tree(30);
    ema.update(c);
    const model = flattenParams(params).map(([, v]) => values(v));
    const shadow = flattenParams(ema.params).map(([, v]) => values(v));
    expect(shadow).not.toEqual(model);
    ema.swap(params);
    expect(flattenParams(params).map(([, v]) => values(v))).toEqual(shadow);
    expect(flattenParams(ema.params).map(([, v]) => values(v))).toEqual(model);
    ema.swap(params);
    expect(flattenParams(params).map(([, v]) => values(v))).toEqual(model);
    expect(flattenParams(ema.params).map(([, v]) => values(v))).toEqual(shadow);
    ema.copyTo(params);
    expect(flattenParams(params).map(([, v]) => values(v))).toEqual(shadow);
    ema.dispose();
    disposeParams(params);
    disposeParams(c);
  });

  it('keeps non-trainable shadow variables with the model names, and leaks no tensors', () => {
    const model = createMlp({ inputDim: 2, hidden: [8], timeEmbedding: 4 }, Rng.fromSeed(0));
    const ema = createEma(model.params, 0.999);
    expect(flattenParams(ema.params).map(([n]) => n)).toEqual(
      flattenParams(model.params).map(([n]) => n),
    );
    expect(flattenParams(ema.params).every(([, v]) => !v.trainable)).toBe(true);
    expect(flattenParams(model.params).every(([, v]) => v.trainable)).toBe(true);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) ema.update(model.params);
    ema.swap(model.params);
    ema.swap(model.params);
    ema.copyTo(model.params);
    expect(tf.memory().numTensors).toBe(before);
    ema.dispose();
    expect(tf.memory().numTensors).toBe(before - flattenParams(model.params).length);
    disposeParams(model.params);
  });

  it('rejects a bad decay or a tree of another structure', () => {
    const params = tree(5);
    expect(() => createEma(params, 1.5)).toThrow(/decay must be a number in \[0, 1\], got 1.5/);
    expect(() => createEma(params, 0.9, { updates: -1 })).toThrow(DaleError);
    const ema = createEma(params, 0.9);
    const wrong = { a: tf.tidy(() => tf.variable(tf.zeros([2, 3]))), nested: params.nested };
    expect(() => ema.update(wrong)).toThrow(
      /EMA: parameter "a" must have shape \[3, 2\], got \[2, 3\]/,
    );
    ema.dispose();
    disposeParams(params);
    wrong.a.dispose();
  });
});

import { DaleError, Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  activate,
  batchTimes,
  dense,
  initDense,
  initMlpBlock,
  initVariable,
  mlpBlock,
  silu,
  sinusoidalEmbedding,
  uniformLimit,
} from '../src/index.ts';
import { checkGradients, maxRelativeError, normalTensor, onCpu, take, values } from './helpers.ts';

beforeAll(onCpu);

describe('dense', () => {
  it('computes x W + b (checked against a float64 matrix product)', () => {
    const params = initDense(Rng.fromSeed(1), 5, 3);
    params.bias.assign(normalTensor(2, [3]));
    const x = normalTensor(3, [4, 5]);
    const W = values(params.weight);
    const b = values(params.bias);
    const X = values(x);
    const expected = new Float64Array(12);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 3; j++) {
        let s = b[j]!;
        for (let k = 0; k < 5; k++) s += X[i * 5 + k]! * W[k * 3 + j]!;
        expected[i * 3 + j] = s;
      }
    expect(maxRelativeError(take(dense(params, x)), expected)).toBeLessThan(1e-6);
    // Leading axes are kept: [2, 2, 5] → [2, 2, 3], the same numbers.
    const y3 = dense(params, tf.reshape(x, [2, 2, 5]));
    expect(y3.shape).toEqual([2, 2, 3]);
    expect(maxRelativeError(take(y3), expected)).toBeLessThan(1e-6);
    tf.dispose([x, params.weight, params.bias]);
  });

  it('has autodiff gradients in W, b and x equal to central finite differences', () => {
    const params = initDense(Rng.fromSeed(4), 4, 3);
    const x = normalTensor(5, [6, 4]);
    const probe = normalTensor(6, [6, 3]); // L = Σ dense(x) ∘ R, a well-conditioned scalar
    const bias = normalTensor(7, [3]);
    const { checked } = checkGradients(
      (W, b, input) => tf.sum(tf.mul(dense({ weight: W!, bias: b! }, input!), probe)),
      [params.weight, bias, x],
    );
    expect(checked).toBe(12 + 3 + 24);
    tf.dispose([params.weight, params.bias, x, probe, bias]);
  });

  it('rejects an input whose last axis does not match, naming the expected size', () => {
    const params = initDense(Rng.fromSeed(0), 4, 2);
    const x = tf.zeros([3, 5]);
    expect(() => dense(params, x)).toThrow(/last axis must have 4 features, got shape \[3, 5\]/);
    tf.dispose([x, params.weight, params.bias]);
  });
});

describe('initialisation', () => {
  it('draws Glorot-uniform weights within ±√(6/(in+out)) with variance a²/3, and zero biases', () => {
    const params = initDense(Rng.fromSeed(8), 200, 300);
    const w = take(params.weight);
    const a = Math.sqrt(6 / 500);
    expect(uniformLimit('glorot-uniform', { fanIn: 200, fanOut: 300 })).toBeCloseTo(a, 12);
    let max = 0;
    let ss = 0;
    let sum = 0;
    for (const v of w) {
      max = Math.max(max, Math.abs(v));
      ss += v * v;
      sum += v;
    }
    expect(max).toBeLessThanOrEqual(a);
    expect(max).toBeGreaterThan(0.999 * a); // 60 000 draws reach the edge
    // Var U(−a, a) = a²/3; the variance of v² is a⁴(1/5 − 1/9), so SE(mean of v²) = a²·√(4/45/n).
    const n = w.length;
    expect(Math.abs(ss / n - (a * a) / 3)).toBeLessThan(5 * a * a * Math.sqrt(4 / 45 / n));
    expect(Math.abs(sum / n)).toBeLessThan((5 * (a / Math.sqrt(3))) / Math.sqrt(n));
    expect(take(params.bias).every((v) => v === 0)).toBe(true);
  });

  it('uses √(6/fanIn) for He-uniform, 0 for zeros, and scales by the given factor', () => {
    expect(uniformLimit('he-uniform', { fanIn: 24, fanOut: 1 })).toBeCloseTo(0.5, 12);
    const v = initVariable(Rng.fromSeed(1), [10, 10], 'he-uniform', { fanIn: 24, fanOut: 1 }, 0.1);
    const w = take(v);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.05);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.03);
    const z = initVariable(Rng.fromSeed(1), [3], 'zeros', { fanIn: 1, fanOut: 1 });
    expect(Array.from(take(z))).toEqual([0, 0, 0]);
    expect(() => uniformLimit('normal' as never, { fanIn: 1, fanOut: 1 })).toThrow(DaleError);
  });

  it('is a pure function of the generator: same seed → identical, other seed → different', () => {
    const a = take(initDense(Rng.fromSeed(3), 4, 4).weight);
    const b = take(initDense(Rng.fromSeed(3), 4, 4).weight);
    const c = take(initDense(Rng.fromSeed(4), 4, 4).weight);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

describe('sinusoidal time embedding', () => {
  /** The closed form, written independently: column i = sin(s·e^{−i ln(P)/h}), column h+i = cos(…). */
  function closedForm(t: number, dim: number, maxPeriod: number, scale: number): number[] {
    const h = dim / 2;
    const angles = Array.from(
      { length: h },
      (_, i) => scale * t * Math.exp((-i * Math.log(maxPeriod)) / h),
    );
    return [...angles.map(Math.sin), ...angles.map(Math.cos)];
  }

  it('matches sin/cos of geometric frequencies, for a shared time and per-batch times', () => {
    const times = [0, 0.013, 0.5, 1];
    const perBatch = sinusoidalEmbedding(times, 4, { dim: 16 });
    expect(perBatch.shape).toEqual([4, 16]);
    const got = take(perBatch);
    times.forEach((t, b) => {
      const expected = closedForm(t, 16, 10_000, 1000);
      // float32 rounding of values in [−1, 1]
      expect(maxRelativeError(got.subarray(b * 16, (b + 1) * 16), expected)).toBeLessThan(1e-7);
    });
    const shared = take(sinusoidalEmbedding(0.37, 3, { dim: 6, maxPeriod: 100, scale: 2 }));
    const expected = closedForm(0.37, 6, 100, 2);
    for (let b = 0; b < 3; b++) {
      expect(maxRelativeError(shared.subarray(b * 6, (b + 1) * 6), expected)).toBeLessThan(1e-7);
    }
    // t = 0: all sines 0, all cosines 1; the first frequency is 1 (period 2π in s).
    expect(Array.from(got.subarray(0, 16))).toEqual([...Array(8).fill(0), ...Array(8).fill(1)]);
  });

  it('separates nearby times: distinct embeddings for t and t + 1/1000', () => {
    const e = take(sinusoidalEmbedding([0.5, 0.501], 2, { dim: 32 }));
    let d2 = 0;
    for (let i = 0; i < 32; i++) d2 += (e[i]! - e[32 + i]!) ** 2;
    expect(Math.sqrt(d2)).toBeGreaterThan(0.5);
  });

  it('rejects an odd size, a bad period, a bad scale and a time array of the wrong length', () => {
    expect(() => sinusoidalEmbedding(0.5, 2, { dim: 7 })).toThrow(
      /dim must be an even integer ≥ 2, got 7/,
    );
    expect(() => sinusoidalEmbedding(0.5, 2, { dim: 8, maxPeriod: 1 })).toThrow(/maxPeriod/);
    expect(() => sinusoidalEmbedding(0.5, 2, { dim: 8, scale: 0 })).toThrow(/scale/);
    expect(() => sinusoidalEmbedding([0.1, 0.2, 0.3], 2, { dim: 8 })).toThrow(
      /one time per batch element: got 3 times for a batch of 2/,
    );
    expect(() => batchTimes([0.1, Number.NaN], 2)).toThrow(/finite, got NaN/);
    expect(Array.from(batchTimes(0.25, 3))).toEqual([0.25, 0.25, 0.25]);
  });
});

describe('activations and the MLP block', () => {
  it('SiLU is x·sigmoid(x) with the closed-form derivative σ(x)(1 + x(1 − σ(x)))', () => {
    const xs = [-6, -1.5, -0.2, 0, 0.3, 2, 7];
    const x = tf.tensor(xs);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    expect(
      maxRelativeError(
        take(silu(x)),
        xs.map((v) => v * sig(v)),
      ),
    ).toBeLessThan(1e-6);
    const g = take(tf.grad((v: tf.Tensor) => tf.sum(silu(v)))(x));
    const expected = xs.map((v) => sig(v) * (1 + v * (1 - sig(v))));
    expect(maxRelativeError(g, expected)).toBeLessThan(1e-6);
    expect(() => activate('relu' as never, x)).toThrow(
      /activation must be one of 'silu', got "relu"/,
    );
    x.dispose();
  });

  it('mlpBlock is dense → SiLU → dense (→ SiLU with activateLast)', () => {
    const params = initMlpBlock(Rng.fromSeed(2), [3, 5, 2]);
    expect(params.map((p) => p.weight.shape)).toEqual([
      [3, 5],
      [5, 2],
    ]);
    const x = normalTensor(1, [4, 3]);
    const manual = tf.tidy(() => dense(params[1]!, silu(dense(params[0]!, x))));
    expect(maxRelativeError(take(mlpBlock(params, x)), values(manual))).toBeLessThan(1e-6);
    const last = take(mlpBlock(params, x, { activateLast: true }));
    expect(maxRelativeError(last, take(silu(manual)))).toBeLessThan(1e-6);
    manual.dispose();
    x.dispose();
  });
});

import { DaleError, Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  affineTransform,
  BYTE_VALUES,
  dequantizeTransform,
  type PositivityTransform,
  shiftTransform,
  type TransformConfig,
  toPixelBytes,
  transformFromConfig,
} from '../src/index.ts';
import { onCpu } from './helpers/env.ts';

beforeAll(onCpu);

const values = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

/** Every 8-bit level once, as the readers produce them. */
const levels = () => tf.tensor1d(BYTE_VALUES);

describe('positivity transforms', () => {
  it('shift: x + c, inverse clamp(y, c, c + 1) − c (the reference clamp(x, 1, 2) − 1)', () => {
    const t = shiftTransform();
    expect(t.range).toEqual([1, 2]);
    expect(values(t.forward(tf.tensor1d([0, 0.25, 1])))).toEqual([1, 1.25, 2]);
    expect(values(t.inverse(tf.tensor1d([0.5, 1, 1.75, 2, 3.5])))).toEqual([0, 0, 0.75, 1, 1]);
    const c3 = shiftTransform(3);
    expect(values(c3.inverse(tf.tensor1d([2, 3.5, 9])))).toEqual([0, 0.5, 1]);
    expect(() => shiftTransform(0)).toThrow(/shift c must be > 0/);
  });

  it('affine: a + (b − a) x onto [a, b], inverse clamped to [0, 1]', () => {
    const t = affineTransform(0.5, 2.5);
    expect(values(t.forward(tf.tensor1d([0, 0.5, 1])))).toEqual([0.5, 1.5, 2.5]);
    expect(values(t.inverse(tf.tensor1d([0, 1.5, 3])))).toEqual([0, 0.5, 1]);
    expect(() => affineTransform(0, 1)).toThrow(/needs 0 < a < b, got a = 0, b = 1/);
    expect(() => affineTransform(2, 1)).toThrow(DaleError);
    expect(() => affineTransform(Number.NaN, 1)).toThrow(/affine a must be a finite number/);
  });

  it('dequantize: every output lies in its pixel’s cell, u is uniform, and inverse restores the pixel exactly', () => {
    const t = dequantizeTransform();
    expect(t.stochastic).toBe(true);
    const reps = 400; // 400 draws per grey level
    const x = tf.tidy(() => tf.tile(levels(), [reps]));
    const y = t.forward(x, Rng.fromSeed(5));
    const yv = y.dataSync();
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < yv.length; i++) {
      const k = i % 256;
      const u = (yv[i]! - 1) * 256 - k; // y = 1 + (k + u)/256
      expect(u > 0 && u < 1).toBe(true);
      sum += u;
      sumSq += u * u;
    }
    const n = yv.length;
    // U on 1024 centred points: mean ½, variance 1/12 − 1/(12·1024²); 5 standard errors.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(sumSq / n - (sum / n) ** 2 - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n));
    expect(values(t.inverse(y))).toEqual(Array.from(x.dataSync()));
    x.dispose();
    // Same seed, same noise.
    const again = t.forward(levels(), Rng.fromSeed(9));
    const twice = t.forward(levels(), Rng.fromSeed(9));
    expect(values(again)).toEqual(values(twice));
    expect(() => t.forward(levels())).toThrow(/needs an rng/);
  });

  it('dequantize followed by affine maps stay exactly invertible', () => {
    for (const [a, b] of [
      [1, 2],
      [0.1, 1.1],
      [2, 5],
    ] as const) {
      const t = dequantizeTransform({ map: affineTransform(a, b) });
      const x = tf.tidy(() => tf.tile(levels(), [50]));
      const y = t.forward(x, Rng.fromSeed(2));
      expect(Math.min(...y.dataSync())).toBeGreaterThanOrEqual(a);
      expect(values(t.inverse(y))).toEqual(Array.from(x.dataSync()));
      x.dispose();
    }
  });

  it('serialise through JSON and rebuild with identical outputs', () => {
    const transforms: PositivityTransform[] = [
      shiftTransform(),
      shiftTransform(0.25),
      affineTransform(0.5, 1.5),
      dequantizeTransform({ map: affineTransform(1, 3), subLevels: 256 }),
    ];
    const x = tf.tensor1d([0, 0.1, 0.5, 0.999, 1]);
    for (const t of transforms) {
      const config = JSON.parse(JSON.stringify(t.toJSON())) as TransformConfig;
      const rebuilt = transformFromConfig(config);
      expect(rebuilt.toJSON()).toEqual(t.toJSON());
      expect(values(rebuilt.forward(x, Rng.fromSeed(1)))).toEqual(
        values(t.forward(x, Rng.fromSeed(1))),
      );
      const y = t.forward(x, Rng.fromSeed(1));
      expect(values(rebuilt.inverse(y))).toEqual(values(t.inverse(y)));
      y.dispose();
    }
    x.dispose();
    expect(() => transformFromConfig({ kind: 'log' } as unknown as TransformConfig)).toThrow(
      /unknown positivity transform kind "log"/,
    );
    expect(() => transformFromConfig({ kind: 'shift', c: -1 })).toThrow(/shift c must be > 0/);
  });

  it('forward and inverse leave no intermediate tensors behind', () => {
    const x = levels();
    const before = tf.memory().numTensors;
    for (const t of [shiftTransform(), affineTransform(1, 2), dequantizeTransform()]) {
      for (let i = 0; i < 20; i++) {
        const y = t.forward(x, Rng.fromSeed(i));
        const back = t.inverse(y);
        tf.dispose([y, back]);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('toPixelBytes inverts the readers exactly and rounds/clamps other values', () => {
    const x = levels();
    expect(Array.from(toPixelBytes(x))).toEqual(Array.from({ length: 256 }, (_, k) => k));
    x.dispose();
    const y = tf.tensor1d([-0.2, 0.0019, 0.0021, 1.3]);
    expect(Array.from(toPixelBytes(y))).toEqual([0, 0, 1, 255]);
    y.dispose();
  });
});

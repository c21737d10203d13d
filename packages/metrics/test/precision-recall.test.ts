/** Precision/recall on constructions with known answers, and nearest neighbours against brute force. */
import { Rng } from '@dale/core';
import { decodePng } from '@dale/data';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { nearestNeighbours, neighbourSheet, precisionRecall } from '../src/index.ts';
import { gaussianRows, onCpu } from './helpers.ts';

beforeAll(onCpu);
const d = 5;
const cluster = (rng: Rng, n: number, centre: number) => gaussianRows(rng, n, d, 0.1, centre);
const m = (data: Float64Array) => ({ data, rows: data.length / d, dim: d });
const concat = (...parts: Float64Array[]) => {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

describe('precisionRecall', () => {
  const rng = Rng.fromSeed(9);

  it('identical sets give (1, 1)', () => {
    const x = cluster(rng, 60, 0);
    expect(precisionRecall(m(x), m(x))).toEqual({ precision: 1, recall: 1 });
  });

  it('far-apart clusters give (0, 0)', () => {
    expect(precisionRecall(m(cluster(rng, 60, 0)), m(cluster(rng, 60, 10)))).toEqual({
      precision: 0,
      recall: 0,
    });
  });

  it('half overlap: real = A ∪ B, generated = A′ ∪ C gives (1/2, 1/2) and (3/4, 1/2) when C is split', () => {
    // A′ is A itself (so every point of A lies in its own ball), B and C are far from everything.
    const a = cluster(rng, 40, 0);
    const b = cluster(rng, 40, 10);
    const c = cluster(rng, 40, -10);
    expect(precisionRecall(m(concat(a, b)), m(concat(a, c)))).toEqual({
      precision: 0.5,
      recall: 0.5,
    });
    // Generated = A ∪ A ∪ A ∪ C: 3/4 of it is on the real manifold, still half the real is covered.
    expect(precisionRecall(m(concat(a, b)), m(concat(a, a, a, c)))).toEqual({
      precision: 0.75,
      recall: 0.5,
    });
  });

  it('k-th neighbour radii: a point just inside / outside the 3rd-neighbour ball of a 1-D grid', () => {
    // Real points 0, 1, 2, …, 9 on a line: the 3rd-neighbour radius of 0 is 3 (for 9 too).
    const real = { data: Float64Array.from({ length: 10 }, (_, i) => i), rows: 10, dim: 1 };
    const gen = (v: number) => ({ data: Float64Array.from([v, 100, 101, 102]), rows: 4, dim: 1 });
    expect(precisionRecall(real, gen(-2.99), { k: 3 }).precision).toBe(0.25);
    expect(precisionRecall(real, gen(-3.01), { k: 3 }).precision).toBe(0);
  });
});

describe('nearestNeighbours and the sheet', () => {
  it('matches brute force, and the PNG sheet decodes to the expected tiles', () => {
    const rng = Rng.fromSeed(4);
    const training = tf.tensor4d(
      Float32Array.from(gaussianRows(rng, 30 * 16, 1, 0.2, 0.5)),
      [30, 4, 4, 1],
    );
    const samples = tf.tensor4d(
      Float32Array.from(gaussianRows(rng, 3 * 16, 1, 0.2, 0.5)),
      [3, 4, 4, 1],
    );
    const report = nearestNeighbours(samples, training, 2);
    const s = samples.dataSync();
    const t = training.dataSync();
    for (let i = 0; i < 3; i++) {
      const dist = Array.from({ length: 30 }, (_, j) => {
        let sum = 0;
        for (let p = 0; p < 16; p++) sum += (s[i * 16 + p]! - t[j * 16 + p]!) ** 2;
        return { j, dist: Math.sqrt(sum) };
      }).sort((a, b) => a.dist - b.dist);
      expect(Array.from(report.indices.subarray(i * 2, i * 2 + 2))).toEqual([
        dist[0]!.j,
        dist[1]!.j,
      ]);
      expect(Math.abs(report.distances[i * 2]! - dist[0]!.dist)).toBeLessThan(1e-6);
    }
    const png = decodePng(neighbourSheet(samples, training, report, { gap: 1 }), 'sheet.png');
    // 3 columns of 4 px, gaps 1 + 2 + 1 + 1 → width 17; 3 rows, 4 gaps → height 16.
    expect([png.width, png.height]).toEqual([17, 16]);
    const pixel = (x: number, y: number) => Math.round(255 * png.values[y * png.width + x]!);
    const byte = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
    // Row 1 (y0 = 1 + 5), column 2 (x0 = 1 + 2·5 + 1): the sample's 2nd neighbour, pixel (2, 3).
    const n2 = report.indices[1 * 2 + 1]!;
    expect(pixel(12 + 2, 6 + 3)).toBe(byte(t[n2 * 16 + 3 * 4 + 2]!));
    expect(pixel(1 + 1, 6 + 0)).toBe(byte(s[1 * 16 + 1]!));
    tf.dispose([training, samples]);
  });
});

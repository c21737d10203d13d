import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertChannels, DatasetFormatError, LUMA_WEIGHTS, resizeImage } from '../src/index.ts';
import { loadImageFolder } from '../src/node.ts';
import { onCpu, tempDir } from './helpers/env.ts';

beforeAll(onCpu);

function randomImage(height: number, width: number, channels: number, seed: number): Float32Array {
  return Rng.fromSeed(seed).fillUniform(new Float32Array(height * width * channels));
}

describe('resizeImage', () => {
  it('bilinear equals tf.image.resizeBilinear with half-pixel centres (shrinking and enlarging)', () => {
    const values = randomImage(7, 9, 2, 1);
    for (const [h, w] of [
      [4, 5],
      [13, 11],
      [7, 3],
    ] as const) {
      const mine = resizeImage({ height: 7, width: 9, channels: 2, values }, h, w, 'bilinear');
      const reference = tf.tidy(() =>
        tf.image.resizeBilinear(tf.tensor3d(values, [7, 9, 2]), [h, w], false, true).dataSync(),
      );
      const gap = Math.max(...Array.from(mine.values, (v, i) => Math.abs(v - reference[i]!)));
      expect(gap).toBeLessThan(1e-5);
    }
  });

  it('area averages exact footprints: equals supersampling by the least common multiple, preserves the mean', () => {
    const [H, W, h, w] = [5, 7, 3, 4];
    const values = randomImage(H, W, 1, 2);
    const mine = resizeImage({ height: H, width: W, channels: 1, values }, h, w, 'area');
    // Replicate each pixel 3×4 times (15 × 28 grid), then average 5×7 blocks: the exact area average.
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let sy = y * 5; sy < (y + 1) * 5; sy++)
          for (let sx = x * 7; sx < (x + 1) * 7; sx++)
            sum += values[Math.floor(sy / 3) * W + Math.floor(sx / 4)]!;
        expect(mine.values[y * w + x]).toBeCloseTo(sum / 35, 6);
      }
    }
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(mine.values)).toBeCloseTo(mean(values), 6);
    const halved = resizeImage(
      { height: 4, width: 4, channels: 1, values: Float32Array.from({ length: 16 }, (_, i) => i) },
      2,
      2,
      'area',
    );
    expect(Array.from(halved.values)).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  it('channel conversion: grey → RGB replicates, RGB → grey is BT.601 luma, alpha dropped or kept', () => {
    const rgba = { height: 1, width: 1, channels: 4, values: Float32Array.of(0.2, 0.4, 0.6, 0.5) };
    expect(convertChannels(rgba, 1).values[0]).toBeCloseTo(
      LUMA_WEIGHTS[0] * 0.2 + LUMA_WEIGHTS[1] * 0.4 + LUMA_WEIGHTS[2] * 0.6,
      7,
    );
    expect(Array.from(convertChannels(rgba, 3).values)).toEqual(
      Array.from(Float32Array.of(0.2, 0.4, 0.6)),
    );
    const grey = { height: 1, width: 1, channels: 1, values: Float32Array.of(0.3) };
    expect(Array.from(convertChannels(grey, 4).values)).toEqual(
      Array.from(Float32Array.of(0.3, 0.3, 0.3, 1)),
    );
  });
});

describe('loadImageFolder', () => {
  const work = tempDir();
  afterAll(work.remove);
  let counter = 0;
  const folder = (layout: Record<string, Uint8Array | string | null>): string => {
    const root = join(work.dir, `f${++counter}`);
    mkdirSync(root);
    for (const [path, content] of Object.entries(layout)) {
      const full = join(root, path);
      if (content === null) mkdirSync(full, { recursive: true });
      else {
        mkdirSync(join(full, '..'), { recursive: true });
        writeFileSync(full, content);
      }
    }
    return root;
  };
  /** fast-png's encoder (an independent implementation) for test images. */
  const png = (width: number, height: number, channels: 1 | 3 | 4, fill: (i: number) => number) =>
    encode({
      width,
      height,
      channels,
      depth: 8,
      data: Uint8Array.from({ length: width * height * channels }, (_, i) => fill(i)),
    });

  it('labels images by class folder (sorted names), skips hidden entries, values = byte / 255', async () => {
    const root = folder({
      'dog/b.png': png(6, 5, 1, (i) => 200 - i),
      'cat/a.png': png(6, 5, 1, (i) => i * 3),
      'cat/c.png': png(6, 5, 1, () => 255),
      'cat/.DS_Store': 'junk',
      '.hidden/x.txt': 'junk',
    });
    const ds = await loadImageFolder(root);
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(Array.from(ds.labels)).toEqual([0, 0, 1]);
    expect(ds.shape).toEqual([5, 6, 1]);
    expect(ds.values([0])[7]).toBe(Math.fround(21 / 255));
    expect(ds.values([2])[7]).toBe(Math.fround(193 / 255));
    expect(ds.values([1]).every((v) => v === 1)).toBe(true);
  });

  it('flat folders get label 0; mixed grey and RGB become RGB; RGBA drops alpha unless 4 channels are asked for', async () => {
    const root = folder({
      'a.png': png(2, 2, 1, () => 51),
      'b.png': png(2, 2, 4, (i) => (i % 4 === 3 ? 0 : 102)),
    });
    const ds = await loadImageFolder(root);
    expect(ds.classNames).toEqual([]);
    expect(Array.from(ds.labels)).toEqual([0, 0]);
    expect(ds.shape).toEqual([2, 2, 3]);
    expect(ds.values([0]).every((v) => v === Math.fround(0.2))).toBe(true);
    expect(ds.values([1]).every((v) => v === Math.fround(0.4))).toBe(true);
    const four = await loadImageFolder(root, { channels: 4 });
    expect(Array.from(four.values([1]).subarray(0, 4))).toEqual(
      Array.from(Float32Array.of(0.4, 0.4, 0.4, 0)),
    );
    expect(Array.from(four.values([0]).subarray(0, 4))).toEqual(
      Array.from(Float32Array.of(0.2, 0.2, 0.2, 1)),
    );
  });

  it('rejects another size with a clear message, or resizes it (area / bilinear) when asked', async () => {
    const small = png(4, 4, 1, (i) => i * 10);
    const root = folder({ 'a/1.png': png(2, 2, 1, () => 0), 'a/2.png': small });
    const error = await loadImageFolder(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as DatasetFormatError).file).toBe(join(root, 'a', '2.png'));
    expect((error as DatasetFormatError).problem).toMatch(
      /wrong dimensions: the image is 4×4 \(W×H\) but the dataset's images are 2×2 \(from .*1.png\); pass resize: 'bilinear' or 'area'/,
    );
    const ds = await loadImageFolder(root, { resize: 'area' });
    // 2×2 block means of the 4×4 image i·10: (0+10+40+50)/4 = 25, 45, 105, 125 (grey levels).
    Array.from(ds.values([1])).forEach((v, i) =>
      expect(v).toBeCloseTo([25, 45, 105, 125][i]! / 255, 7),
    );
    const fixed = await loadImageFolder(root, { resize: 'bilinear', size: [3, 3] });
    expect(fixed.shape).toEqual([3, 3, 1]);
  });

  it('every bad layout or file is a DatasetFormatError naming it', async () => {
    const cases: [Record<string, Uint8Array | string | null>, string, RegExp][] = [
      [{}, '', /is empty: it holds no images and no class folders/],
      [{ 'notes.txt': 'hello' }, 'notes.txt', /not a PNG image/],
      [{ 'a/x.png': png(2, 2, 1, () => 1), 'a/deeper': null }, 'a/deeper', /is a nested folder/],
      [
        { 'a/x.png': png(2, 2, 1, () => 1), 'y.png': png(2, 2, 1, () => 1) },
        'y.png',
        /is a file next to the class folders \(a\)/,
      ],
      [{ 'a/x.png': png(2, 2, 1, () => 1), b: null }, 'b', /class folder 'b' holds no images/],
      [{ 'x.png': png(2, 2, 1, () => 1).subarray(0, 40) }, 'x.png', /truncated|corrupt/],
    ];
    for (const [layout, culprit, pattern] of cases) {
      const root = folder(layout);
      const error = await loadImageFolder(root).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect((error as DatasetFormatError).file).toBe(culprit ? join(root, culprit) : root);
      expect((error as DatasetFormatError).problem).toMatch(pattern);
    }
    await expect(loadImageFolder(join(work.dir, 'missing'))).rejects.toThrow(
      /missing: does not exist/,
    );
  });
});

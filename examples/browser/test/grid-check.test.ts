import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Rng, useBackend } from '@dale/core';
import { imageGrid } from '@dale/data';
import { loadMnist } from '@dale/data/node';
import { describe, expect, it } from 'vitest';
import { GRID_LAYOUT } from '../src/grid-canvas.ts';
import {
  type CanvasPixels,
  DIGIT_QUALITY,
  type GridGeometry,
  PLACEHOLDER_QUALITY,
  qualityProblems,
  readGrid,
} from './grid-check.ts';

const SIZE = 28;
const COUNT = 16;
const geometry: GridGeometry = {
  count: COUNT,
  columns: GRID_LAYOUT.columns,
  cellWidth: SIZE,
  cellHeight: SIZE,
  gap: GRID_LAYOUT.gap,
  background: Math.round(255 * GRID_LAYOUT.background),
};

/** The canvas the page would draw for these images (the same imageGrid and layout), as RGBA. */
function canvasOf(images: Float32Array): CanvasPixels {
  const grid = imageGrid(images, [COUNT, SIZE, SIZE, 1], GRID_LAYOUT);
  const data = new Uint8ClampedArray(grid.width * grid.height * 4);
  for (let i = 0; i < grid.width * grid.height; i++) {
    data.fill(grid.data[i]!, 4 * i, 4 * i + 3);
    data[4 * i + 3] = 255;
  }
  return { width: grid.width, height: grid.height, data };
}

/** Each image: `fill(rng, cell)` writes one 28×28 image. */
function images(seed: number, fill: (rng: Rng, cell: Float32Array) => void): Float32Array {
  const rng = Rng.fromSeed(seed);
  const out = new Float32Array(COUNT * SIZE * SIZE);
  for (let k = 0; k < COUNT; k++)
    fill(rng.split(`cell ${k}`), out.subarray(k * 784, (k + 1) * 784));
  return out;
}

/** Three thick white strokes between random points on black: digit-like ink, always available. */
const strokes = (rng: Rng, cell: Float32Array) => {
  for (let s = 0; s < 3; s++) {
    const [ax, ay, bx, by] = [4, 4, 4, 4].map(() => 5 + 18 * rng.uniform()) as number[];
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const dx = bx! - ax!;
        const dy = by! - ay!;
        const u = Math.max(0, Math.min(1, ((x - ax!) * dx + (y - ay!) * dy) / (dx * dx + dy * dy)));
        if (Math.hypot(x - ax! - u * dx, y - ay! - u * dy) < 1.6) cell[y * SIZE + x] = 1;
      }
    }
  }
};
/** Independent black/white pixels with P(white) = 0.42: what the placeholder checkpoint gives. */
const saltAndPepper = (rng: Rng, cell: Float32Array) => {
  for (let i = 0; i < cell.length; i++) cell[i] = rng.uniform() < 0.42 ? 1 : 0;
};

const check = (pixels: CanvasPixels, bounds = PLACEHOLDER_QUALITY) => {
  const { cells, problems } = readGrid(pixels, geometry);
  return [...problems, ...qualityProblems(cells, SIZE, bounds)];
};

describe('the canvas check', () => {
  it('passes digit-like strokes under both the placeholder and the digit bounds', () => {
    const pixels = canvasOf(images(1, strokes));
    expect(check(pixels, PLACEHOLDER_QUALITY)).toEqual([]);
    expect(check(pixels, DIGIT_QUALITY)).toEqual([]);
  });

  const dataDir = process.env['DALE_DATA_DIR'];
  it.skipIf(!dataDir || !existsSync(join(dataDir, 'mnist')))(
    'passes 16 real MNIST test images under the digit bounds (needs $DALE_DATA_DIR/mnist)',
    async () => {
      await useBackend('cpu');
      const batch = (await loadMnist({ split: 'test' }))
        .head(COUNT)
        .batch([...Array(COUNT).keys()]);
      const values = Float32Array.from(batch.images.dataSync());
      batch.dispose();
      expect(check(canvasOf(values), DIGIT_QUALITY)).toEqual([]);
    },
  );

  it('lets salt-and-pepper noise through the placeholder bounds only: the digit bounds see no strokes', () => {
    const pixels = canvasOf(images(2, saltAndPepper));
    expect(check(pixels, PLACEHOLDER_QUALITY)).toEqual([]);
    const problems = check(pixels, DIGIT_QUALITY);
    expect(problems.length).toBeGreaterThanOrEqual(COUNT);
    expect(problems.filter((p) => /neighbour correlation -?0\.\d+ < 0\.5/.test(p))).toHaveLength(
      COUNT,
    );
  });

  it('rejects uniform noise, blank cells, flat grey and one image repeated, even with the placeholder bounds', () => {
    const uniform = check(canvasOf(images(3, (rng, cell) => rng.fillUniform(cell, 0, 1))));
    expect(uniform.filter((p) => /saturated 0\.\d+ < 0\.6/.test(p))).toHaveLength(COUNT);
    const blank = check(canvasOf(new Float32Array(COUNT * 784)));
    expect(blank.filter((p) => /mean 0\.000 outside/.test(p))).toHaveLength(COUNT);
    const grey = check(canvasOf(new Float32Array(COUNT * 784).fill(0.5)));
    expect(grey.filter((p) => /saturated 0\.000 < 0\.6/.test(p))).toHaveLength(COUNT);
    const one = images(4, strokes).subarray(0, 784);
    const repeated = new Float32Array(COUNT * 784);
    for (let k = 0; k < COUNT; k++) repeated.set(one, k * 784);
    expect(check(canvasOf(repeated))).toContain('cells 0 and 1 differ by 0.0000 < 0.02');
  });

  it('rejects a canvas that is not the recorded grid: wrong size, wrong gap grey, colour', () => {
    const good = canvasOf(images(5, strokes));
    expect(readGrid({ ...good, width: good.width - 1 }, geometry).problems[0]).toMatch(
      /canvas is 121×122, expected 122×122 for 16 cells of 28×28 in 4 columns with 2-pixel gaps/,
    );
    expect(readGrid(good, { ...geometry, background: 255 }).problems).toEqual([
      `${good.width * good.height - COUNT * 784} gap pixels differ from the background 255`,
    ]);
    const tinted = Uint8ClampedArray.from(good.data);
    tinted[0] = 0; // one red channel off
    expect(readGrid({ ...good, data: tinted }, geometry).problems).toContain(
      '1 pixels are not opaque grey',
    );
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAdapter } from '@dale/backend-webgpu';
import { Rng, useBackend } from '@dale/core';
import { decodePng, ImageDataset } from '@dale/data';
import { nearestNeighbours } from '@dale/metrics';
import { decodeSafetensors } from '@dale/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEvenlySpacedStep } from '../src/generate.ts';
import { bufferOutput, main } from '../src/index.ts';
import { nearestTrainingImages } from '../src/neighbours.ts';
import { writeTinyCheckpoint } from './tiny-checkpoint.ts';

const root = mkdtempSync(join(tmpdir(), 'dale-cli-sample-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function dale(...args: string[]) {
  const output = bufferOutput();
  const code = await main(args, { output });
  return { code, out: output.out, err: output.err };
}

/** Side of a grid of `count` 28×28 tiles with 2-pixel gaps. */
const side = (count: number) => count * 28 + (count + 1) * 2;

/** The 28×28 tile at grid position (row, column) of a decoded grey PNG, as values in [0, 1]. */
function tile(png: { width: number; values: ArrayLike<number> }, row: number, column: number) {
  const out: number[] = [];
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      out.push(png.values[(2 + row * 30 + y) * png.width + 2 + column * 30 + x]!);
    }
  }
  return out;
}

describe('the strip columns', () => {
  it('are `columns` evenly spaced steps ending at the last, or every step of a short run', () => {
    for (let total = 1; total <= 60; total++) {
      const kept = Array.from({ length: total }, (_, i) => i + 1).filter((s) =>
        isEvenlySpacedStep(s, total, 10),
      );
      expect(kept).toHaveLength(Math.min(total, 10));
      expect(kept.at(-1)).toBe(total);
      const gaps = kept.map((s, i) => s - (i === 0 ? 0 : kept[i - 1]!));
      expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1);
    }
    const steps500 = Array.from({ length: 500 }, (_, i) => i + 1);
    expect(steps500.filter((s) => isEvenlySpacedStep(s, 500, 10))).toEqual(
      Array.from({ length: 10 }, (_, j) => 50 * (j + 1)),
    );
  });
});

describe('nearest training images in chunks', () => {
  it('equal nearestNeighbours over the whole set, for any chunk size', () => {
    const rng = Rng.fromSeed(3);
    const training = new ImageDataset({
      pixels: rng.fillUniform(new Float32Array(37 * 4 * 4)),
      labels: new Array(37).fill(0),
      shape: [4, 4, 1],
    });
    const queries = { data: rng.fillUniform(new Float32Array(5 * 16)), rows: 5, dim: 16 };
    const whole = { data: training.pixels as Float32Array, rows: 37, dim: 16 };
    const expected = nearestNeighbours(queries, whole, 4);
    for (const chunk of [1, 3, 10, 37, 100]) {
      const report = nearestTrainingImages(queries, training, 4, chunk);
      expect(report.indices).toEqual(expected.indices);
      for (let i = 0; i < expected.distances.length; i++)
        expect(report.distances[i]).toBeCloseTo(expected.distances[i]!, 12);
    }
  });
});

describe('dale sample --strip (a tiny checkpoint, wasm)', () => {
  let checkpoint: string;
  beforeAll(async () => {
    await useBackend('wasm');
    checkpoint = await writeTinyCheckpoint(join(root, 'tiny'));
  });

  it('writes one row per sample and one column per kept step; the samples do not change', async () => {
    const common = ['sample', '--checkpoint', checkpoint, '--n', '4', '--steps', '5'];
    const grid = join(root, 'grid.png');
    const strip = join(root, 'strip.png');
    const tensors = tf.memory().numTensors;
    const withStrip = await dale(
      ...common,
      '--backend',
      'wasm',
      '--out',
      grid,
      '--raw',
      join(root, 'a.safetensors'),
      '--strip',
      strip,
    );
    expect(withStrip.code).toBe(0);
    expect(tf.memory().numTensors).toBe(tensors);
    // 5 steps ≤ 10 columns: the start and every step.
    expect(withStrip.out).toContain(
      `wrote the chain of 4 samples at steps 0, 1, 2, 3, 4, 5 to ${strip} (${6 * 28 + 7 * 2}x${side(4)})`,
    );
    const without = await dale(
      ...common,
      '--backend',
      'wasm',
      '--out',
      join(root, 'plain.png'),
      '--raw',
      join(root, 'b.safetensors'),
    );
    expect(without.code).toBe(0);
    const raw = (file: string) =>
      decodeSafetensors(readFileSync(join(root, file))).tensors.get('samples')!.data;
    expect(raw('a.safetensors')).toEqual(raw('b.safetensors'));

    const chain = decodePng(readFileSync(strip), strip);
    const samples = decodePng(readFileSync(grid), grid);
    expect([chain.width, chain.height, chain.channels]).toEqual([6 * 28 + 7 * 2, side(4), 1]);
    for (let k = 0; k < 4; k++) {
      // The last column is the final sample (the grid has 2 columns), …
      expect(tile(chain, k, 5)).toEqual(tile(samples, Math.floor(k / 2), k % 2));
      // … and the chain moved: the start differs from it.
      expect(tile(chain, k, 0)).not.toEqual(tile(chain, k, 5));
    }
  });
});

describe('dale sample --model (the pretrained checkpoints, wasm)', () => {
  const sampleModel = (model: string, png: string) =>
    dale('sample', '--model', model, '--n', '4', '--steps', '5', '--backend', 'wasm', '--out', png);

  it('mnist, the default model: class-conditional, sampled with dpm-solver-2m', async () => {
    const png = join(root, 'pretrained.png');
    const { code, out, err } = await sampleModel('mnist', png);
    expect(err).toContain('sampling 4 images with dpm-solver-2m, 5 steps (EMA weights of step');
    expect(err).toContain('every class in turn (10)');
    expect(code).toBe(0);
    expect(out).toContain(`wrote 4 samples to ${png} (${side(2)}x${side(2)})`);
    const image = decodePng(readFileSync(png), png);
    expect([image.width, image.height, image.channels]).toEqual([side(2), side(2), 1]);
  });

  it('mnist-paper, the paper recipe: unconditional, sampled with dale-langevin', async () => {
    const png = join(root, 'paper.png');
    const { code, out, err } = await sampleModel('mnist-paper', png);
    expect(err).toContain('sampling 4 images with dale-langevin, 5 steps (EMA weights of step');
    expect(err).not.toContain('class');
    expect(code).toBe(0);
    expect(out).toContain(`wrote 4 samples to ${png} (${side(2)}x${side(2)})`);
  });
});

// TensorFlow.js's WebGPU backend cannot read synchronously in Node (no OffscreenCanvas), so this
// proves that `dale sample` reads asynchronously end to end. CI has Mesa's lavapipe adapter.
const adapter = await findAdapter();
describe.skipIf(!adapter)('dale sample --backend webgpu (Dawn in Node)', () => {
  it('writes the grid, the raw samples and the strip, equal to the wasm samples to float32 rounding', async () => {
    const checkpoint = await writeTinyCheckpoint(join(root, 'tiny-webgpu'));
    const run = (backend: string) =>
      dale(
        'sample',
        '--checkpoint',
        checkpoint,
        '--n',
        '4',
        '--steps',
        '5',
        '--backend',
        backend,
        '--out',
        join(root, `${backend}.png`),
        '--raw',
        join(root, `${backend}.safetensors`),
        '--strip',
        join(root, `${backend}-strip.png`),
      );
    const webgpu = await run('webgpu');
    expect(webgpu.err).not.toContain('OffscreenCanvas');
    expect(webgpu.code).toBe(0);
    expect(await run('wasm')).toMatchObject({ code: 0 });
    const raw = (backend: string) =>
      decodeSafetensors(readFileSync(join(root, `${backend}.safetensors`))).tensors.get('samples')!
        .data as Float32Array;
    const [a, b] = [raw('webgpu'), raw('wasm')];
    expect(a).toHaveLength(b.length);
    // Same noise (drawn on the host), same network: only float32 op order differs.
    let worst = 0;
    for (let i = 0; i < b.length; i++)
      worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.abs(b[i]!));
    expect(worst).toBeLessThan(1e-3);
    const strip = decodePng(readFileSync(join(root, 'webgpu-strip.png')), 'strip');
    expect([strip.width, strip.height]).toEqual([6 * 28 + 7 * 2, side(4)]);
  });
});

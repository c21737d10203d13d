import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from '@dale/data';
import { decodeSafetensors, disposeParams, type LoadedCheckpoint } from '@dale/models';
import { loadCheckpoint } from '@dale/models/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferOutput, main } from '../src/index.ts';

const hasData = Boolean(process.env.DALE_DATA_DIR);
if (!hasData) console.warn('dale CLI end-to-end tests skipped: DALE_DATA_DIR is not set');

const root = mkdtempSync(join(tmpdir(), 'dale-cli-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const run = join(root, 'run');
const checkpoint = join(run, 'checkpoint');

async function dale(args: string[], signal?: AbortSignal) {
  const output = bufferOutput();
  const code = await main(args, { output, ...(signal ? { signal } : {}) });
  return { code, out: output.out, err: output.err };
}

function release(saved: LoadedCheckpoint): void {
  disposeParams(saved.model.params);
  if (saved.ema) disposeParams(saved.ema);
  if (saved.optimizer) tf.dispose([...saved.optimizer.tensors.values()]);
}

const metricsSteps = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { step: number }).step);

/** Width (= height) of the grid of 4 28×28 images: 2 columns, gaps of 2 pixels. */
const GRID = 2 * 28 + 3 * 2;

describe.skipIf(!hasData)('dale train → dale sample on an MNIST slice (wasm)', () => {
  // A 4-image, 3-step sampler for the grids, so the run stays fast.
  const config = join(root, 'tiny.json');
  writeFileSync(config, JSON.stringify({ sampleCount: 4, sampleSteps: 3, logEvery: 1 }));
  const trainArgs = (steps: number, ...extra: string[]) => [
    'train',
    '--dataset',
    'mnist',
    '--preset',
    'quick',
    '--backend',
    'wasm',
    '--steps',
    String(steps),
    '--batch',
    '8',
    '--limit',
    '64',
    '--config',
    config,
    '--out',
    run,
    ...extra,
  ];

  it('trains 3 steps: checkpoint with the run settings, metrics and a sample grid', async () => {
    const { code, out, err } = await dale(trainArgs(3));
    expect(err).toContain('data: mnist');
    expect(err).toContain('64 images of 28x28x1 (--limit 64)');
    expect(err).toMatch(/^train 3\/3 {2}[\d.]+ steps\/s {2}loss \d+\.\d{4} {2}ETA 0s$/m);
    expect(code).toBe(0);
    expect(out).toBe(`trained 3 steps: ${checkpoint}\n`);
    expect(metricsSteps(run)).toEqual([1, 2, 3]);
    const saved = await loadCheckpoint(checkpoint);
    expect(saved.meta).toMatchObject({
      step: 3,
      dataset: 'mnist',
      transform: { kind: 'shift', c: 1 },
      sde: { family: 'gbm', prior: { m: 0.156517, s: 0.835278 } },
      train: { steps: 3, batchSize: 8 },
    });
    expect(saved.model.config).toMatchObject({
      kind: 'unet',
      inputShape: [28, 28, 1],
      baseChannels: 16,
      attentionResolutions: [7],
    });
    release(saved);
    const gridFile = join(run, 'samples/step-0000003.png');
    const grid = decodePng(readFileSync(gridFile), gridFile);
    expect([grid.width, grid.height, grid.channels]).toEqual([GRID, GRID, 1]);
  });

  it('samples the checkpoint: the PNG is the inverse transform of the raw samples', async () => {
    const png = join(root, 's.png');
    const raw = join(root, 's.safetensors');
    const { code, out } = await dale([
      'sample',
      '--checkpoint',
      checkpoint,
      '--backend',
      'wasm',
      '--steps',
      '3',
      '--n',
      '4',
      '--out',
      png,
      '--raw',
      raw,
    ]);
    expect(code).toBe(0);
    expect(out).toContain(`wrote 4 samples to ${png} (${GRID}x${GRID})`);
    const image = decodePng(readFileSync(png), png);
    expect([image.width, image.height, image.channels]).toEqual([GRID, GRID, 1]);
    const samples = decodeSafetensors(readFileSync(raw)).tensors.get('samples')!;
    expect(samples.shape).toEqual([4, 28, 28, 1]);
    // Dale–Langevin samples are positive; pixel = round(255 · clamp(x − 1, 0, 1)) (shift inverse).
    expect(Math.min(...samples.data)).toBeGreaterThan(0);
    for (let k = 0; k < 4; k++) {
      const top = 2 + Math.floor(k / 2) * 30;
      const left = 2 + (k % 2) * 30;
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const v = samples.data[(k * 28 + y) * 28 + x]!;
          const expected = Math.round(255 * Math.min(1, Math.max(0, v - 1)));
          expect(
            Math.abs(255 * image.values[(top + y) * GRID + left + x]! - expected),
          ).toBeLessThanOrEqual(1);
        }
      }
    }
    // The same seed gives the same samples; another seed other samples.
    const again = join(root, 'again.safetensors');
    const other = join(root, 'other.safetensors');
    const common = [
      'sample',
      '--checkpoint',
      checkpoint,
      '--backend',
      'wasm',
      '--steps',
      '3',
      '--n',
      '4',
    ];
    const tensors = tf.memory().numTensors;
    await dale([...common, '--out', join(root, 'a.png'), '--raw', again]);
    expect(tf.memory().numTensors).toBe(tensors); // the command frees everything it made
    await dale([...common, '--out', join(root, 'b.png'), '--raw', other, '--seed', '1']);
    expect(readFileSync(again)).toEqual(readFileSync(raw));
    expect(readFileSync(other)).not.toEqual(readFileSync(raw));
  });

  it('runs the other samplers, the annealed ones with a time floor for a noise-predicting model', async () => {
    for (const sampler of ['sign-agnostic', 'pc', 'ode', 'annealed-dale-langevin']) {
      const png = join(root, `${sampler}.png`);
      const args = [
        'sample',
        '--checkpoint',
        checkpoint,
        '--sampler',
        sampler,
        '--backend',
        'wasm',
      ];
      // The ambient-space sign-agnostic sampler overflows to NaN in 3 steps of this 3-step model
      // (an error since non-finite samples are detected); 20 steps keep it finite.
      const steps = sampler === 'sign-agnostic' ? '20' : '3';
      const { code, out, err } = await dale([...args, '--steps', steps, '--n', '4', '--out', png]);
      expect(code, err).toBe(0);
      expect(out).toContain(`wrote 4 samples to ${png} (${GRID}x${GRID})`);
    }
  });

  it('refuses to overwrite a run without --resume, resumes with it', async () => {
    const refused = await dale(trainArgs(5));
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`${run} already holds a checkpoint: pass --resume`);
    const resumed = await dale(trainArgs(5, '--resume'));
    expect(resumed.code).toBe(0);
    expect(resumed.err).toContain('resumed from step 3');
    expect(metricsSteps(run)).toEqual([1, 2, 3, 4, 5]);
  });

  it('an abort (Ctrl-C) stops after the step, writes a checkpoint and exits 130', async () => {
    const dir = join(root, 'aborted');
    const controller = new AbortController();
    const output = bufferOutput();
    const stderr = output.stderr;
    output.stderr = (text: string) => {
      stderr(text);
      if (text.startsWith('train 2/')) controller.abort(); // as if Ctrl-C came during step 2
    };
    const args = trainArgs(50).map((a) => (a === run ? dir : a));
    const code = await main(args, { output, signal: controller.signal });
    expect(code).toBe(130);
    expect(output.err).toContain(
      `interrupted by Ctrl-C at step 2: checkpoint of step 2 in ${join(dir, 'checkpoint')}`,
    );
    const saved = await loadCheckpoint(join(dir, 'checkpoint'));
    expect(saved.meta.step).toBe(2);
    expect(existsSync(join(dir, 'samples/step-0000002.png'))).toBe(false);
    release(saved);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '@dale/core';
import { disposeParams, flattenParams, type LoadedCheckpoint } from '@dale/models';
import { loadCheckpoint } from '@dale/models/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferOutput, main } from '../src/index.ts';

const hasData = Boolean(process.env.DALE_DATA_DIR);
const root = mkdtempSync(join(tmpdir(), 'dale-cli-edm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function dale(...args: string[]) {
  const output = bufferOutput();
  const code = await main(args, { output });
  return { code, out: output.out, err: output.err };
}

function release(saved: LoadedCheckpoint): void {
  disposeParams(saved.model.params);
  if (saved.ema) disposeParams(saved.ema);
  if (saved.optimizer) tf.dispose([...saved.optimizer.tensors.values()]);
}

const weights = (saved: LoadedCheckpoint) =>
  flattenParams(saved.model.params).map(([name, v]) => [name, Array.from(v.dataSync())]);

describe.skipIf(!hasData)('dale train --preset edm on an MNIST slice (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  const args = (out: string, steps: number) => [
    'train',
    '--dataset',
    'mnist',
    '--preset',
    'edm',
    '--limit',
    '200',
    '--batch',
    '8',
    '--steps',
    String(steps),
    '--sample-every',
    '0',
    '--checkpoint-every',
    '2',
    '--backend',
    'wasm',
    '--out',
    out,
  ];

  it('writes a class-conditional denoiser under the data-chosen wide GBM, and resumes exactly', async () => {
    const straight = join(root, 'straight');
    const first = await dale(...args(straight, 4));
    expect(first.code, first.err).toBe(0);
    expect(first.err).toMatch(/horizon S\(T\) = \d/);
    const saved = await loadCheckpoint(join(straight, 'checkpoint'));
    const config = saved.model.config as Record<string, unknown>;
    expect(config['predicts']).toBe('denoiser');
    expect(config['classes']).toBe(10);
    const pre = config['preconditioning'] as { sigmaData: number; dataMean: number };
    expect(pre.sigmaData).toBeGreaterThan(0.15); // σ_d of log(x + 1) on 200 MNIST digits
    expect(pre.sigmaData).toBeLessThan(0.3);
    const schedule = saved.meta.sde?.['schedule'] as {
      kind: string;
      sigmaMax: number;
      mu: unknown;
    };
    expect(schedule.kind).toBe('geometric');
    expect(schedule.mu).toEqual({ sigmaSquaredRatio: 0.5 });
    expect(schedule.sigmaMax).toBeGreaterThan(3.2);
    const train = saved.meta['train'] as { conditioning: unknown };
    expect(train.conditioning).toEqual({ classes: 10, dropout: 0.1 });

    // 2 steps, then --resume to 4: the same weights as 4 straight steps.
    const split = join(root, 'split');
    expect((await dale(...args(split, 2))).code).toBe(0);
    const resumed = await dale(...args(split, 4), '--resume');
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toMatch(/resumed from step 2/);
    // The data statistics are not recomputed on resume: the checkpoint has the recipe.
    expect(resumed.err).toMatch(/recipe: the SDE and preconditioning of the checkpoint/);
    expect(resumed.err).not.toMatch(/prior mismatch/);
    const again = await loadCheckpoint(join(split, 'checkpoint'));
    expect(weights(again)).toEqual(weights(saved));
    release(saved);
    release(again);
  }, 300_000);
});

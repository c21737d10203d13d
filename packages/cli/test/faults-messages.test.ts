/**
 * Fault injection for the messages of `dale` (issue 16, items 7, 9, 10, 11 and 15): every
 * message suggests only what exists on the command line, and no wrong result passes silently.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disposeParams, flattenParams } from '@dale/models';
import { loadCheckpoint, saveCheckpoint } from '@dale/models/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { samplerSettings } from '../src/generation-options.ts';
import { daleSync } from './fault-run.ts';
import { writeTinyCheckpoint } from './tiny-checkpoint.ts';

const root = mkdtempSync(join(tmpdir(), 'dale-faults-messages-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('7. messages name only what the command line has', () => {
  it('a corrupt dataset file: no "pass verify: false", but what to do with the file', () => {
    const data = join(root, 'data');
    mkdirSync(join(data, 'mnist'), { recursive: true });
    for (const name of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'])
      writeFileSync(join(data, 'mnist', name), 'not the published file\n');
    const run = daleSync(
      ['train', '--dataset', 'mnist', '--backend', 'cpu', '--out', join(root, 'r')],
      {
        DALE_DATA_DIR: data,
        DALE_CACHE: join(root, 'cache'),
      },
    );
    expect(run.code).toBe(1);
    expect(run.err).toContain('SHA-256 mismatch');
    expect(run.err).not.toContain('verify: false');
    expect(run.err).toContain('delete it (dale then downloads the published file');
  });
});

describe('9. values and modules are explained', () => {
  it('--steps -1 says the value must be positive (not "needs a value")', () => {
    const run = daleSync([
      'train',
      '--dataset',
      'mnist',
      '--out',
      join(root, 'r3'),
      '--steps',
      '-1',
    ]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(
      "option --steps of 'dale train': expected an integer >= 1, got '-1': the value must be positive",
    );
    const seed = daleSync(['sample', '--model', 'mnist', '--seed', '-3']);
    expect(seed.err).toContain("got '-3': the value must be zero or more");
  });

  it('--import cli/x.ts without ./ suggests ./cli/x.ts', () => {
    const fixture = 'packages/cli/test/fixtures/register-sampler.ts';
    const run = daleSync(['--import', fixture, 'info']);
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      `is read as a package name; for the file, pass --import ./${fixture}`,
    );
  });
});

describe('10. an invalid DALE_WASM_THREADS is an error, never a silent fall-back to cpu', () => {
  for (const value of ['0', '64', 'abc']) {
    it(`DALE_WASM_THREADS=${value}`, () => {
      const run = daleSync(['info'], { DALE_WASM_THREADS: value });
      expect(run.code).toBe(1);
      expect(run.err).toContain(
        `DALE_WASM_THREADS: expected an integer from 1 to 8, got "${value}"`,
      );
      expect(run.out).not.toContain('auto chooses: cpu');
    });
  }
});

describe('11. non-finite samples are detected, counted and dated', () => {
  it('a checkpoint of all-NaN weights (consistent checksums): exit 1, the count and the step, no grid', async () => {
    const checkpoint = await writeTinyCheckpoint(join(root, 'nan'));
    const saved = await loadCheckpoint(checkpoint);
    for (const [, v] of flattenParams(saved.model.params))
      (v as tf.Variable).assign(tf.fill(v.shape, Number.NaN));
    await saveCheckpoint(checkpoint, { model: saved.model, meta: saved.meta });
    disposeParams(saved.model.params);
    const out = join(root, 'nan.png');
    const run = daleSync([
      'sample',
      '--checkpoint',
      checkpoint,
      '--n',
      '2',
      '--steps',
      '3',
      '--backend',
      'cpu',
      '--out',
      out,
    ]);
    expect(run.code).toBe(1);
    expect(run.err).toContain(`${2 * 28 * 28} of ${2 * 28 * 28} sample values are not finite`);
    expect(run.err).toContain('they first appeared at sampler step 1 of 3 (score evaluation 1)');
    expect(run.err).toMatch(/The checkpoint's weights hold \d+ non-finite values/);
    expect(existsSync(out)).toBe(false);
  });

  it('finite weights whose ambient-space sampler overflows: the step, and more --steps or dale-langevin', async () => {
    const checkpoint = await writeTinyCheckpoint(join(root, 'finite'));
    const out = join(root, 'overflow.png');
    const args = ['--checkpoint', checkpoint, '--n', '2', '--steps', '3', '--backend', 'cpu'];
    const run = daleSync(['sample', ...args, '--sampler', 'sign-agnostic', '--out', out]);
    expect(run.code).toBe(1);
    expect(run.err).toContain('they first appeared at sampler step 2 of 3');
    expect(run.err).toContain(
      'The weights are finite, so the sampler diverged: try more --steps, or the log-space dale-langevin sampler',
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe('15. the annealed samplers run on noise-predicting checkpoints, as the README says', () => {
  it('with the last level raised to T/N, and the README says so', () => {
    const settings = samplerSettings('annealed-dale-langevin', 10, {}, 'sample', {
      dataset: 'mnist',
      predicts: 'noise',
      T: 1,
    });
    expect(settings['timeFloor']).toBeCloseTo(0.1, 12);
    const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
    expect(readme).not.toMatch(/refuses them for such checkpoints/);
    expect(readme).toContain('raise the last level to T/N (`timeFloor`) and run them');
  });
});

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaleError, Rng, useBackend } from '@dale/core';
import { decodePng } from '@dale/data';
import { flattenParams, loadCheckpoint } from '@dale/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsLog } from '../src/index.ts';
import { runToy, target } from './fixtures/toy-run.ts';

const root = mkdtempSync(join(tmpdir(), 'dale-train-'));
const dir = (name: string) => join(root, name);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const losses = (outDir: string) =>
  MetricsLog.read(join(outDir, 'metrics.jsonl')).map((m) => [m.step, m.loss]);
const weights = (tree: Parameters<typeof flattenParams>[0]) =>
  flattenParams(tree).map(([name, v]) => [name, Array.from(v.dataSync())]);

let reference: { losses: number[][]; weights: unknown };

beforeAll(async () => {
  await useBackend('cpu');
  const { model, result } = runToy(dir('reference'));
  const done = await result;
  expect(done).toMatchObject({ step: 40, status: 'completed', resumedFrom: 0 });
  reference = { losses: losses(dir('reference')), weights: weights(model.params) };
}, 120_000);

describe('train', () => {
  it('learns: the loss falls and every step is logged once with its metrics', () => {
    expect(reference.losses.map(([s]) => s)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const first = reference.losses.slice(0, 5).reduce((a, [, l]) => a + l!, 0) / 5;
    const last = reference.losses.slice(-5).reduce((a, [, l]) => a + l!, 0) / 5;
    expect(last).toBeLessThan(first);
    const entry = MetricsLog.read(join(dir('reference'), 'metrics.jsonl'))[2]!;
    expect(entry.lr).toBeCloseTo(3e-3 * (3 / 5), 12); // linear warm-up over 5 steps
    expect(entry.gradNorm).toBeGreaterThan(0);
    expect(entry.imagesPerSec).toBeGreaterThan(0);
  });

  it('is deterministic: the same seed gives the same losses', async () => {
    const { result } = runToy(dir('again'), { steps: 10 });
    await result;
    expect(losses(dir('again'))).toEqual(reference.losses.slice(0, 10));
  });

  it('resumes exactly: interrupted at step 17 and resumed, it takes the same steps as an uninterrupted run', async () => {
    const controller = new AbortController();
    const first = runToy(dir('resumed'), {
      signal: controller.signal,
      onStep: (m) => {
        if (m.step === 17) controller.abort();
      },
    });
    expect(await first.result).toMatchObject({ step: 17, status: 'aborted' });
    const saved = await loadCheckpoint(join(dir('resumed'), 'checkpoint'));
    expect(saved.meta.step).toBe(17); // Ctrl-C writes a checkpoint at the step it stopped
    const second = runToy(dir('resumed'), { resume: true });
    expect(await second.result).toMatchObject({ step: 40, status: 'completed', resumedFrom: 17 });
    expect(losses(dir('resumed'))).toEqual(reference.losses);
    expect(weights(second.model.params)).toEqual(reference.weights);
  });

  it('survives kill -9 at random moments: never a corrupt checkpoint, at most one interval lost, same losses', async () => {
    const outDir = dir('killed');
    const steps = 400;
    const rng = Rng.fromSeed(5);
    const run = () =>
      spawn(
        process.execPath,
        [
          '--conditions=@dale/source',
          join(import.meta.dirname, 'fixtures/train-child.ts'),
          outDir,
          String(steps),
        ],
        {
          stdio: 'ignore',
        },
      );
    const loggedSteps = () =>
      existsSync(join(outDir, 'metrics.jsonl'))
        ? MetricsLog.read(join(outDir, 'metrics.jsonl')).length
        : 0;
    for (let kill = 0; kill < 5; kill++) {
      const child = run();
      const before = loggedSteps();
      // Wait until the child has made progress, then kill it at a random moment.
      while (loggedSteps() <= before + 2 && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 50 + 400 * rng.uniform()));
      expect(child.exitCode).toBe(null); // still training: the kill lands mid-run
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const logged = MetricsLog.read(join(outDir, 'metrics.jsonl'));
      const saved = await loadCheckpoint(join(outDir, 'checkpoint')); // throws if corrupt
      const step = Number(saved.meta.step);
      const last = logged[logged.length - 1]?.step ?? 0;
      expect(last).toBeLessThan(steps);
      expect(last - step).toBeLessThanOrEqual(5); // checkpointEvery
      tf.dispose(flattenParams(saved.model.params).map(([, v]) => v));
    }
    const finish = run();
    const code = await new Promise((r) => finish.once('exit', r));
    expect(code).toBe(0);
    const uninterrupted = runToy(dir('uninterrupted'), { steps });
    await uninterrupted.result;
    expect(losses(outDir)).toEqual(losses(dir('uninterrupted')));
  }, 180_000);

  it('stops on a non-finite loss, naming the step, and keeps the last good checkpoint', async () => {
    let calls = 0;
    const { result } = runToy(dir('nan'), {
      loss: (score, x0, { sde, rng }) => {
        calls += 1;
        const x = calls === 8 ? tf.mul(x0, Number.NaN) : x0;
        return tf.tidy(() =>
          tf
            .mean(
              tf.square(
                score(
                  x,
                  Array.from({ length: x.shape[0]! }, () => 0.1 + 0.8 * rng.uniform()),
                ),
              ),
            )
            .add(sde.T * 0),
        ) as tf.Scalar;
      },
    });
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaleError);
    expect((error as DaleError).code).toBe('non-finite-loss');
    expect((error as Error).message).toMatch(
      /stopped at step 8: the loss is NaN.*last good checkpoint \(step 5\)/s,
    );
    const saved = await loadCheckpoint(join(dir('nan'), 'checkpoint'));
    expect(saved.meta.step).toBe(5);
  });

  it('keeps the tensor count flat over 1000 steps (and reports RSS)', async () => {
    const counts: number[] = [];
    const rss: number[] = [];
    const { model, result } = runToy(dir('memory'), {
      steps: 1000,
      checkpointEvery: 250,
      onStep: (m) => {
        counts.push(tf.memory().numTensors);
        if (m.step % 250 === 0) rss.push(process.memoryUsage().rss / 2 ** 20);
      },
    });
    const done = await result;
    // After the first step (Adam creates its moments) the count never changes.
    expect(new Set(counts.slice(1)).size).toBe(1);
    console.log(`RSS at steps 250/500/750/1000: ${rss.map((v) => v.toFixed(0)).join(' / ')} MiB`);
    tf.dispose(flattenParams(done.ema).map(([, v]) => v));
    tf.dispose(flattenParams(model.params).map(([, v]) => v));
  });

  it('writes sample grids with the EMA weights', async () => {
    const { result } = runToy(dir('samples'), {
      steps: 10,
      sampleEvery: 10,
      sample: async (score) => {
        // Any sampler of @dale/samplers fits here; a single score evaluation keeps the test fast.
        const x = target.sample(6, Rng.fromSeed(1));
        const s = score(x, 0.5);
        const img = tf.tidy(() => tf.sigmoid(s).reshape([6, 1, 2, 1]));
        tf.dispose([x, s]);
        return img;
      },
    });
    await result;
    const png = decodePng(
      new Uint8Array(readFileSync(join(dir('samples'), 'samples', 'step-0000010.png'))),
      'grid.png',
    );
    expect([png.width, png.height]).toEqual([3 * 2 + 4 * 2, 2 * 1 + 3 * 2]);
  });
});

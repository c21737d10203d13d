import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaleError, Rng, useBackend } from '@dale/core';
import { decodePng, encodePng, shiftTransform } from '@dale/data';
import { createMlp, flattenParams } from '@dale/models';
import { loadCheckpoint } from '@dale/models/node';
import { vpSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayData, MetricsLog, renderLossCurve } from '../src/index.ts';
import { runToy, target } from './fixtures/toy-run.ts';

const root = mkdtempSync(join(tmpdir(), 'dale-train-'));
const dir = (name: string) => join(root, name);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const losses = (outDir: string) =>
  MetricsLog.read(join(outDir, 'metrics.jsonl')).map((m) => [m.step, m.loss]);
/** Does `outDir/loss.png` hold the loss curve of exactly the steps now in `metrics.jsonl`? */
const lossCurveMatchesLog = (outDir: string) =>
  readFileSync(join(outDir, 'loss.png')).equals(
    encodePng(renderLossCurve(MetricsLog.read(join(outDir, 'metrics.jsonl')))),
  );
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
    // loss.png covers the whole run, the 17 steps before the resume included.
    expect(
      readFileSync(join(dir('resumed'), 'loss.png')).equals(
        readFileSync(join(dir('reference'), 'loss.png')),
      ),
    ).toBe(true);
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
    expect(MetricsLog.read(join(dir('nan'), 'metrics.jsonl'))).toHaveLength(7);
    expect(lossCurveMatchesLog(dir('nan'))).toBe(true); // the curve up to the failure
  });

  it('checks once, before the first step, that the data can only be positive for GBM', async () => {
    const values = new Float32Array(1500 * 2).fill(0.5);
    values[1200 * 2 + 1] = 0; // example 1200, in the second chunk of the scan
    const data = arrayData(values, [2]);
    const bare = await runToy(dir('zero'), { data }).result.catch((e: unknown) => e);
    expect((bare as DaleError).code).toBe('non-positive-data');
    expect((bare as Error).message).toMatch(/smallest value of examples 1024–1499 is 0/);
    expect(existsSync(join(dir('zero'), 'metrics.jsonl'))).toBe(false); // no step was taken
    // With a positivity transform, data in [0, 1] is fine and data above 1 is not.
    const shifted = runToy(dir('shifted'), { data, transform: shiftTransform(1), steps: 2 });
    expect(await shifted.result).toMatchObject({ step: 2, status: 'completed' });
    values[5] = 1.5;
    const above = await runToy(dir('above'), { data, transform: shiftTransform(1) }).result.catch(
      (e: unknown) => e,
    );
    expect((above as Error).message).toMatch(
      /guarantees it for data in \[0, 1\], but examples 0–1023 span \[0.5, 1.5\]/,
    );
    // An additive SDE takes any data.
    const model = createMlp(
      { inputDim: 2, hidden: [8], timeEmbedding: 8, predicts: 'noise', inputTransform: 'identity' },
      Rng.fromSeed(7),
    );
    const negative = arrayData(
      values.map((v) => v - 1),
      [2],
    );
    const additive = runToy(dir('additive'), { model, data: negative, sde: vpSDE(), steps: 2 });
    expect(await additive.result).toMatchObject({ step: 2, status: 'completed' });
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

  it('leaves no tensor behind but the model and EMA weights it hands back', async () => {
    const before = tf.memory().numTensors;
    const { model, result } = runToy(dir('no-leak'), { steps: 6 });
    const done = await result;
    const owned = flattenParams(model.params).length + flattenParams(done.ema).length;
    expect(tf.memory().numTensors - before).toBe(owned);
    tf.dispose(flattenParams(done.ema).map(([, v]) => v));
    tf.dispose(flattenParams(model.params).map(([, v]) => v));
  });

  it('micro-batches: a loss without noise takes the same steps at any micro-batch size', async () => {
    // A deterministic loss (the M-DSM objective at fixed times with fixed noise would do too):
    // mean over the batch of the squared score at t = 0.5, so only the batch split can differ.
    const loss = (score: (x: tf.Tensor, t: number) => tf.Tensor, x0: tf.Tensor) =>
      tf.tidy(() => tf.mean(tf.sum(tf.square(score(x0, 0.5)), 1)) as tf.Scalar);
    const run = async (name: string, microBatchSize?: number) => {
      const { model, result } = runToy(dir(name), {
        steps: 5,
        loss,
        ...(microBatchSize ? { microBatchSize } : {}),
      });
      const done = await result;
      const w = weights(model.params);
      tf.dispose(flattenParams(done.ema).map(([, v]) => v));
      tf.dispose(flattenParams(model.params).map(([, v]) => v));
      return { w, losses: losses(dir(name)) };
    };
    const whole = await run('micro-none');
    for (const micro of [16, 24]) {
      const split = await run(`micro-${micro}`, micro);
      split.losses.forEach(([, l], i) => expect(l).toBeCloseTo(whole.losses[i]![1]!, 4));
      const flat = (x: unknown) => (x as [string, number[]][]).flatMap(([, v]) => v);
      const a = flat(split.w);
      const b = flat(whole.w);
      a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 4));
    }
    const saved = await loadCheckpoint(join(dir('micro-16'), 'checkpoint'));
    expect((saved.meta.train as Record<string, unknown>).microBatchSize).toBe(16);
    tf.dispose(flattenParams(saved.model.params).map(([, v]) => v));
    if (saved.ema) tf.dispose(flattenParams(saved.ema).map(([, v]) => v));
    if (saved.optimizer) tf.dispose([...saved.optimizer.tensors.values()]);
  });

  it('warms the EMA up by default: after 3 steps it is far from the initial weights', async () => {
    const start = runToy(dir('ema-init'), { steps: 1, learningRate: 0 }); // lr 0: the initial weights
    const initial = weights(start.model.params);
    const startDone = await start.result;
    tf.dispose(flattenParams(startDone.ema).map(([, v]) => v));
    tf.dispose(flattenParams(start.model.params).map(([, v]) => v));
    const ends: Record<string, number> = {};
    for (const emaWarmup of [true, false]) {
      const { model, result } = runToy(dir(`ema-${emaWarmup}`), { steps: 3, emaWarmup });
      const done = await result;
      const trained = flattenParams(model.params).flatMap(([, v]) => Array.from(v.dataSync()));
      const ema = flattenParams(done.ema).flatMap(([, v]) => Array.from(v.dataSync()));
      const init = (initial as [string, number[]][]).flatMap(([, v]) => v);
      // Where the EMA sits between the initial (0) and the trained weights (1).
      let num = 0;
      let den = 0;
      for (let i = 0; i < ema.length; i++) {
        num += (ema[i]! - init[i]!) * (trained[i]! - init[i]!);
        den += (trained[i]! - init[i]!) ** 2;
      }
      ends[String(emaWarmup)] = num / den;
      tf.dispose(flattenParams(done.ema).map(([, v]) => v));
      tf.dispose(flattenParams(model.params).map(([, v]) => v));
    }
    // Warm-up decays 0.1, 2/11, 3/12 keep ≈ 0.5 % of the start; a constant 0.999 keeps 99.7 %.
    expect(ends.true).toBeGreaterThan(0.7);
    expect(ends.false).toBeLessThan(0.01);
  });

  it('writes sample grids with the EMA weights, and the loss curve with each', async () => {
    const curveBeforeSamples: boolean[] = [];
    const { result } = runToy(dir('samples'), {
      steps: 10,
      sampleEvery: 5,
      sample: async (score) => {
        curveBeforeSamples.push(lossCurveMatchesLog(dir('samples'))); // up to this step
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
    expect(curveBeforeSamples).toEqual([true, true]); // at steps 5 and 10
    const curve = decodePng(
      new Uint8Array(readFileSync(join(dir('samples'), 'loss.png'))),
      'loss.png',
    );
    expect([curve.width, curve.height, curve.channels]).toEqual([640, 360, 3]);
  });

  it('writes no loss curve when lossCurve is false', async () => {
    const { result } = runToy(dir('no-curve'), { steps: 3, lossCurve: false, sampleEvery: 1 });
    await result;
    expect(existsSync(join(dir('no-curve'), 'metrics.jsonl'))).toBe(true);
    expect(existsSync(join(dir('no-curve'), 'loss.png'))).toBe(false);
  });
});

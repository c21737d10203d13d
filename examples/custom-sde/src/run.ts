/**
 * The example end to end: register the family, train, reload from the checkpoint, sample, measure.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@dale/core';
import { registerExpOU } from './exp-ou.ts';
import { ksToTarget, loadScore, sampleWith } from './sample.ts';
import { exactScore, target } from './target.ts';
import { exampleSDE, type ToyTrainOptions, trainOnToy } from './train.ts';

/** Options of {@link runExample}; the defaults are the full version that `main.ts` runs. */
export interface RunOptions {
  readonly train: Omit<ToyTrainOptions, 'outDir' | 'onStep'>;
  /** Samples drawn by each method. */
  readonly samples: number;
  /** Steps of the Dale–Langevin grid. */
  readonly samplerSteps: number;
  /** Where the run directory goes; default a fresh temporary directory, removed at the end. */
  readonly outDir?: string;
  readonly log?: (line: string) => void;
}

/** The full version's settings. */
export const FULL_RUN: RunOptions = {
  train: {
    steps: 4000,
    batchSize: 256,
    learningRate: 1e-2,
    hidden: [64, 64],
    trainingSize: 20_000,
    seed: 0,
  },
  samples: 10_000,
  samplerSteps: 500,
};

/** Kolmogorov–Smirnov distances to the target of each way of drawing samples (all of size `samples`). */
export interface RunReport {
  /** Exact draws of the target: the Monte Carlo floor. */
  readonly exact: number;
  /** Draws of the prior p_T (the stationary law), where sampling starts. */
  readonly prior: number;
  /** Dale–Langevin driven by the exact score of the noised target: the error of SDE and sampler alone. */
  readonly exactScore: number;
  /** Dale–Langevin driven by the trained network (EMA weights, reloaded from the checkpoint). */
  readonly model: number;
  /** Mean M-DSM loss over the last 10% of training steps. */
  readonly finalLoss: number;
  /** The model's samples. */
  readonly samples: Float32Array;
}

/**
 * Register the `'exp-ou'` family, train an MLP with `train()` on exact draws of the toy target,
 * reload it from the checkpoint (the SDE through `sdeFromConfig`), sample with the registered
 * Dale–Langevin sampler and measure every result against the target's exact CDF.
 */
export async function runExample(options: RunOptions = FULL_RUN): Promise<RunReport> {
  const log = options.log ?? (() => {});
  const unregister = registerExpOU();
  const outDir = options.outDir ?? mkdtempSync(join(tmpdir(), 'dale-custom-sde-'));
  try {
    const sde = exampleSDE();
    const n = options.samples;
    const steps = options.samplerSteps;
    const exactSample = target.sample(n, Rng.fromSeed(options.train.seed).split('exact'));
    const exact = ksToTarget(exactSample.dataSync());
    exactSample.dispose();
    const priorSample = sde.priorSample([n, 1], Rng.fromSeed(options.train.seed).split('prior'));
    const prior = ksToTarget(priorSample.dataSync());
    priorSample.dispose();
    const withExactScore = ksToTarget(
      await sampleWith(exactScore(target, sde), sde, { n, steps, seed: 1 }),
    );

    const losses: number[] = [];
    const checkpoint = await trainOnToy(sde, {
      ...options.train,
      outDir,
      onStep: (step, loss) => {
        losses.push(loss);
        if (step % 500 === 0)
          log(`train step ${step}/${options.train.steps}: loss ${loss.toFixed(4)}`);
      },
    });
    const tail = losses.slice(-Math.max(1, Math.floor(losses.length / 10)));
    const finalLoss = tail.reduce((a, b) => a + b, 0) / tail.length;

    const loaded = await loadScore(checkpoint);
    log(`reloaded ${checkpoint}: SDE family '${loaded.sde.family}'`);
    const samples = await sampleWith(loaded.score, loaded.sde, { n, steps, seed: 2 });
    loaded.dispose();
    return {
      exact,
      prior,
      exactScore: withExactScore,
      model: ksToTarget(samples),
      finalLoss,
      samples,
    };
  } finally {
    unregister();
    if (options.outDir === undefined) rmSync(outDir, { recursive: true, force: true });
  }
}

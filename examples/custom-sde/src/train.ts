/**
 * Train an MLP score network on the toy data under the exponential OU SDE with `@dale/train`.
 * @module
 */
import { join } from 'node:path';
import { Rng } from '@dale/core';
import { mdsmLoss } from '@dale/losses';
import { createMlp, disposeParams, type MlpModel } from '@dale/models';
import { arrayData, type TrainingLoss, train } from '@dale/train';
import { ExpOU } from './exp-ou.ts';
import { target } from './target.ts';

/**
 * The SDE of the example: θ = 2, m = 0, σ = 1.6, T = 2. Its stationary law log X ~ N(0, 0.8²) has
 * GBM's reference spread; at T the data's memory has decayed to e^{−4} ≈ 2%, so p_T is within
 * 0.02 (in log space) of that prior.
 */
export function exampleSDE(): ExpOU {
  return new ExpOU({ rate: 2, logMean: 0, sigma: 1.6, T: 2 });
}

/** Options of {@link trainOnToy}. */
export interface ToyTrainOptions {
  /** Adam steps. */
  readonly steps: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Hidden widths of the MLP. */
  readonly hidden: readonly number[];
  /** Exact draws of the target that form the training set. */
  readonly trainingSize: number;
  readonly seed: number;
  /** Run directory (checkpoint, metrics.jsonl). */
  readonly outDir: string;
  readonly onStep?: (step: number, loss: number) => void;
}

/**
 * The untrained network: an MLP on log x that outputs the Hyvärinen score directly, regressed by
 * M-DSM on `sde.conditionalScore`. (Since the family declares its kernel, a `'noise'` model
 * would work too: `scoreFnFromModel` turns ε̂ into −1 − ε̂/√v(t).)
 */
export function createToyModel(hidden: readonly number[], seed: number): MlpModel {
  return createMlp(
    { inputDim: 1, hidden, predicts: 'hyvarinen' },
    Rng.fromSeed(seed).split('init'),
  );
}

/** The smallest training time, equal to the time the samplers stop at. */
export const EPS = 1e-3;

/**
 * Training times, log-uniform on [ε, T]: as many between 0.001 and 0.01 as between 0.1 and 1.
 * The noised law keeps the data's two modes only for t ≲ 0.1 (while its log-space spread √v(t),
 * v ≈ σ²t, is below half the gap between them), which is where the score is sharp and hard to
 * learn; at larger t it is nearly the Gaussian prior, where uniform times would spend 95% of the
 * steps.
 */
export function drawTimes(n: number, T: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n }, () => EPS * (T / EPS) ** rng.uniform());
}

/**
 * M-DSM (guide: M12) on the family's own `conditionalScore`, at times from {@link drawTimes}.
 * The family declares its Gaussian kernel (`ExpOU.kernel`), so the named weightings know it:
 * `'noise-prediction'` is λ(t) = v(t), the log-space kernel variance, which makes the residual
 * √v (s_θ − s) of order one at every t.
 */
export function toyLoss(sde: ExpOU): TrainingLoss {
  return (score, x0, { rng }) =>
    mdsmLoss(score, x0, {
      sde,
      rng,
      t: drawTimes(x0.shape[0]!, sde.T, rng.split('times')),
      weighting: 'noise-prediction',
    });
}

/**
 * Train with `train()` of `@dale/train` and the loss {@link toyLoss}. Returns the checkpoint
 * directory (weights, EMA weights and `sde.toJSON()` in its metadata).
 */
export async function trainOnToy(sde: ExpOU, options: ToyTrainOptions): Promise<string> {
  const values = target.sample(options.trainingSize, Rng.fromSeed(options.seed).split('data'));
  const data = arrayData(values.dataSync() as Float32Array, [1]);
  values.dispose();
  const model = createToyModel(options.hidden, options.seed);
  const result = await train({
    model,
    sde,
    data,
    steps: options.steps,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    warmupSteps: Math.min(100, Math.floor(options.steps / 10)),
    emaDecay: 0.99,
    loss: toyLoss(sde),
    seed: options.seed,
    outDir: options.outDir,
    checkpointEvery: options.steps,
    meta: { example: 'custom-sde' },
    onStep: (m) => options.onStep?.(m.step, m.loss),
  });
  disposeParams(result.ema);
  disposeParams(model.params);
  return join(options.outDir, 'checkpoint');
}

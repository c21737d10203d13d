import { Rng } from '@dale/core';
import type { LogNormalMixture } from '@dale/data';
import { mdsmLoss } from '@dale/losses';
import { createMlp, type MlpModel, type ParamTree, scoreFnFromModel } from '@dale/models';
import type { GBM, ScoreFn } from '@dale/sde';
import { arrayData, type TrainingLoss, train } from '@dale/train';
import type * as tf from '@tensorflow/tfjs-core';

/** Options of {@link trainToyModel}. */
export interface TrainOptions {
  steps: number;
  batchSize: number;
  learningRate: number;
  hidden: number[];
  eps: number;
  /** Fraction of training times drawn log-uniformly on [eps, T] instead of uniformly (more small times). */
  logUniformFraction?: number;
  /** Decay of the EMA of the weights that the returned score uses. */
  emaDecay: number;
  seed: number;
  /** Run directory of `@dale/train`: `checkpoint/` and `metrics.jsonl`. */
  outDir: string;
  onProgress?: (step: number, loss: number) => void;
}

/** What {@link trainToyModel} returns. */
export interface TrainedToy {
  model: MlpModel;
  /** The EMA weights (dispose them with `disposeParams` when done). */
  ema: ParamTree;
  /** The score with the EMA weights. */
  score: ScoreFn;
  losses: number[];
}

/**
 * Training times: uniform on [eps, T], except a fraction drawn log-uniformly, which puts more
 * weight on the small times where the score is sharpest and the samplers end.
 */
function drawTimes(n: number, eps: number, T: number, logFraction: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n }, () =>
    rng.uniform() < logFraction
      ? eps * (T / eps) ** rng.uniform()
      : eps + (T - eps) * rng.uniform(),
  );
}

/**
 * Train an MLP that predicts the noise Z of the GBM kernel with M-DSM (guide: M12) using
 * `train` of `@dale/train`. With the 'noise-prediction' weighting λ = S²(t),
 * λ‖s_θ + 1 + Z/S‖² = ‖Z − ε̂‖² for the adapter s_θ = −1 − ε̂/S(t) (M6): a well-scaled objective
 * at every t. The data are `steps × batchSize` exact draws of the target, so each step sees fresh
 * points, as if sampled on the fly.
 */
export async function trainToyModel(
  target: LogNormalMixture,
  sde: GBM,
  options: TrainOptions,
): Promise<TrainedToy> {
  const rng = Rng.fromSeed(options.seed);
  const model = createMlp(
    { inputDim: target.dim, hidden: options.hidden, predicts: 'noise' },
    rng.split('init'),
  );
  const draws = target.sample(options.steps * options.batchSize, rng.split('data'));
  const data = arrayData(draws.dataSync() as Float32Array, [target.dim]);
  draws.dispose();
  const loss: TrainingLoss = (score, x0, context) =>
    mdsmLoss(score, x0, {
      sde: context.sde,
      rng: context.rng,
      weighting: 'noise-prediction',
      t: drawTimes(
        x0.shape[0]!,
        options.eps,
        context.sde.T,
        options.logUniformFraction ?? 0,
        context.rng.split('t'),
      ),
      reduction: 'mean',
    }) as tf.Scalar;
  const losses: number[] = [];
  const { ema } = await train({
    model,
    sde,
    data,
    loss,
    steps: options.steps,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    emaDecay: options.emaDecay,
    seed: options.seed,
    outDir: options.outDir,
    checkpointEvery: options.steps,
    onStep: (metrics) => {
      losses.push(metrics.loss);
      options.onProgress?.(metrics.step - 1, metrics.loss);
    },
  });
  return { model, ema, score: scoreFnFromModel(model, sde, { params: ema }), losses };
}

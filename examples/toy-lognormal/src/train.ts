import { Rng } from '@dale/core';
import type { LogNormalMixture } from '@dale/data';
import { mdsmLoss } from '@dale/losses';
import { createMlp, flattenParams, type MlpModel, scoreFnFromModel } from '@dale/models';
import type { GBM, ScoreFn } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link trainToyModel}. */
export interface TrainOptions {
  steps: number;
  batchSize: number;
  learningRate: number;
  hidden: number[];
  eps: number;
  /** Fraction of training times drawn log-uniformly on [eps, T] instead of uniformly (more small times). */
  logUniformFraction?: number;
  seed: number;
  onProgress?: (step: number, loss: number) => void;
}

/** What {@link trainToyModel} returns. */
export interface TrainedToy {
  model: MlpModel;
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
 * Train an MLP that predicts the noise Z of the GBM kernel with M-DSM (guide: M12). With the
 * 'noise-prediction' weighting λ = S²(t), λ‖s_θ + 1 + Z/S‖² = ‖Z − ε̂‖² for the adapter
 * s_θ = −1 − ε̂/S(t) (M6): a well-scaled objective at every t.
 */
export function trainToyModel(
  target: LogNormalMixture,
  sde: GBM,
  options: TrainOptions,
): TrainedToy {
  const rng = Rng.fromSeed(options.seed);
  const initRng = rng.split('init');
  const dataRng = rng.split('data');
  const lossRng = rng.split('loss');
  const model = createMlp(
    { inputDim: target.dim, hidden: options.hidden, predicts: 'noise' },
    initRng,
  );
  const score = scoreFnFromModel(model, sde);
  const variables = flattenParams(model.params).map(([, v]) => v as tf.Variable);
  const optimizer = tf.train.adam(options.learningRate);
  const losses: number[] = [];
  for (let step = 0; step < options.steps; step++) {
    // Cosine decay of the learning rate to 10% at the end.
    (optimizer as unknown as { learningRate: number }).learningRate =
      options.learningRate * (0.55 + 0.45 * Math.cos((Math.PI * step) / options.steps));
    const x0 = target.sample(options.batchSize, dataRng);
    const t = drawTimes(
      options.batchSize,
      options.eps,
      sde.T,
      options.logUniformFraction ?? 0,
      lossRng,
    );
    const loss = optimizer.minimize(
      () =>
        mdsmLoss(score, x0, {
          sde,
          rng: lossRng,
          weighting: 'noise-prediction',
          t,
          reduction: 'mean',
        }) as tf.Scalar,
      true,
      variables,
    );
    x0.dispose();
    if (loss) {
      const value = loss.dataSync()[0]!;
      loss.dispose();
      losses.push(value);
      options.onProgress?.(step, value);
    }
  }
  optimizer.dispose();
  return { model, score, losses };
}

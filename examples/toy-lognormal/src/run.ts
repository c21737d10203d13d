import { Rng } from '@dale/core';
import { disposeParams } from '@dale/models';
import {
  daleLangevinSampler,
  predictorCorrectorSampler,
  probabilityFlowSampler,
  type SamplerOptions,
  signAgnosticSampler,
} from '@dale/samplers';
import { fitLogNormalPrior, gbm, type ScoreFn, type SDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { ksToTarget, slicedW1Log } from './distance.ts';
import { toyTarget } from './target.ts';
import { type TrainOptions, trainToyModel } from './train.ts';

/** Options of {@link runToy}; every field but `outDir` has a default that runs in about a minute on 2 CPU cores. */
export interface ToyOptions {
  train: Partial<Omit<TrainOptions, 'outDir'>>;
  /** Run directory of the training (`checkpoint/`, `metrics.jsonl`). */
  outDir: string;
  /** Samples drawn by each sampler. */
  samples: number;
  /** Steps of the grid samplers (Dale–Langevin, sign-agnostic; half as many predictor–corrector steps). */
  steps: number;
  seed: number;
  log: (line: string) => void;
}

/** One sampler's result. */
export interface SamplerResult {
  name: string;
  /** Largest per-dimension Kolmogorov–Smirnov distance to the target. */
  ks: number;
  /** Sliced Wasserstein-1 distance in log space to an independent exact sample of the same size. */
  w1: number;
  /** Score evaluations. */
  nfe: number;
  seconds: number;
  /** The samples, [n, 2] row-major. */
  values: Float32Array;
}

/** What {@link runToy} returns. */
export interface ToyReport {
  trainSeconds: number;
  finalLoss: number;
  /** The same distances between two independent exact samples: the Monte-Carlo floor. */
  floor: { ks: number; w1: number };
  exact: Float32Array;
  results: SamplerResult[];
}

const DEFAULTS: Omit<ToyOptions, 'outDir'> = {
  train: {
    steps: 2000,
    batchSize: 256,
    learningRate: 1e-2,
    hidden: [64, 64],
    eps: 1e-3,
    logUniformFraction: 0.5,
    emaDecay: 0.99,
    seed: 0,
  },
  samples: 2000,
  steps: 400,
  seed: 1,
  log: () => {},
};

/** Each sampler, given the options every sampler shares. */
const SAMPLERS: Record<
  string,
  (score: ScoreFn, sde: SDE, common: SamplerOptions, steps: number) => Promise<tf.Tensor>
> = {
  'dale-langevin': (score, sde, common, steps) =>
    daleLangevinSampler(score, sde, { ...common, steps }),
  'sign-agnostic': (score, sde, common, steps) =>
    signAgnosticSampler(score, sde, { ...common, steps }),
  'predictor-corrector': (score, sde, common, steps) =>
    predictorCorrectorSampler(score, sde, { ...common, steps: Math.round(steps / 2) }),
  'pf-ode (rk45)': (score, sde, common) =>
    probabilityFlowSampler(score, sde, { ...common, method: 'rk45', rtol: 1e-3, atol: 1e-4 }),
};

/**
 * The toy end to end: train an MLP score network with M-DSM on a 2-D log-normal mixture, sample
 * it with each sampler and measure the distance to the truth.
 */
export async function runToy(
  overrides: Partial<ToyOptions> & Pick<ToyOptions, 'outDir'>,
): Promise<ToyReport> {
  const options = {
    ...DEFAULTS,
    ...overrides,
    train: { ...DEFAULTS.train, ...overrides.train, outDir: overrides.outDir } as TrainOptions,
  };
  // The prior is fitted to the data noised to t = T, as the reference implementation does
  // (MATH.md §7): sampling must start from (close to) p_T for the reverse SDE to end at p_0.
  const rng = Rng.fromSeed(options.seed);
  const noisedData = toyTarget.noised(gbm(), 1).sample(20_000, rng.split('prior'));
  const sde = gbm({ prior: fitLogNormalPrior(noisedData) });
  noisedData.dispose();
  const started = performance.now();
  const trained = await trainToyModel(toyTarget, sde, {
    ...options.train,
    onProgress: (step, loss) => {
      if ((step + 1) % 500 === 0)
        options.log(`train step ${step + 1}/${options.train.steps}: loss ${loss.toFixed(4)}`);
    },
  });
  const trainSeconds = (performance.now() - started) / 1000;
  const tail = trained.losses.slice(-200);
  const finalLoss = tail.reduce((a, b) => a + b, 0) / tail.length;

  const exactTensor = toyTarget.sample(options.samples, rng.split('exact'));
  const exact = exactTensor.dataSync() as Float32Array;
  const reference = toyTarget.sample(options.samples, rng.split('reference'));
  const referenceValues = reference.dataSync();
  const floor = {
    ks: ksToTarget(referenceValues, toyTarget),
    w1: slicedW1Log(referenceValues, exact, 2),
  };
  tf.dispose([exactTensor, reference]);

  const results: SamplerResult[] = [];
  for (const [name, run] of Object.entries(SAMPLERS)) {
    const t0 = performance.now();
    let nfe = 0;
    const common: SamplerOptions = {
      shape: [options.samples, 2],
      rng: rng.split(name),
      onStep: (info) => {
        nfe = info.nfe;
      },
    };
    const x = await run(trained.score, sde, common, options.steps);
    const values = x.dataSync() as Float32Array;
    x.dispose();
    const positive = values.every((v) => v > 0);
    const result = {
      name,
      ks: ksToTarget(values, toyTarget),
      w1: positive ? slicedW1Log(values, exact, 2) : Number.NaN,
      nfe,
      seconds: (performance.now() - t0) / 1000,
      values,
    };
    results.push(result);
    options.log(
      `${name}: KS ${result.ks.toFixed(3)}, sliced W1 (log) ${result.w1.toFixed(3)}, ${nfe} score evaluations`,
    );
  }
  disposeParams(trained.model.params);
  disposeParams(trained.ema);
  return { trainSeconds, finalLoss, floor, exact, results };
}

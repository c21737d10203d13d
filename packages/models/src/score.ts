/**
 * The adapter from what a network predicts to the score a sampler or loss consumes.
 * @module
 */
import { DaleError } from '@dale/core';
import {
  coefficient,
  kernelScoreOffset,
  mapTime,
  requireLogGaussianKernel,
  type ScoreFn,
  type SDE,
  type Time,
} from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, Model, ModelConfig } from './model.ts';
import type { ParamTree, TensorsOf } from './params.ts';
import { checkPreconditioning, preconditioningAt } from './preconditioning.ts';

/** Options of {@link scoreFnFromModel}. */
export interface ScoreFnOptions<P extends ParamTree> {
  /** Weights to evaluate the model with (e.g. the EMA shadow weights); default `model.params`. */
  readonly params?: P | TensorsOf<P>;
  /**
   * Class labels of a class-conditional model (`config.classes` K > 0), one per batch element,
   * each in 0…K − 1, or K for "no class". Omitted: the unconditional branch (label K) for every
   * element. The score function then only accepts batches of this size.
   */
  readonly labels?: ArrayLike<number>;
  /**
   * Classifier-free guidance weight w ≥ 0 (Ho & Salimans 2022): the score is
   * (1 + w) s(x, t | c) − w s(x, t | no class), evaluated as one batch of twice the size.
   * 0 (default) is the plain conditional score. Needs `labels`.
   */
  readonly guidance?: number;
  /** Dropout generator for training passes; default none (evaluation). */
  readonly rng?: ApplyOptions['rng'];
}

/**
 * The kernel's standard deviation √v(t) in the coordinates where it is Gaussian (`sde.kernel`:
 * S(t) of log x for GBM, guide: M2; √v(t) of x for VE/VP), and the offset of the noise
 * parameterisation's score: −1 for a Hyvärinen score over a log kernel (M6), 0 for a Stein score
 * over an ambient one. Throws where the SDE declares no kernel (CIR) or the pair does not match,
 * and at t = 0 (the noise parameterisation is singular there).
 */
function noiseParameterisation(sde: SDE): { std: (t: number) => number; offset: number } {
  const kernel = sde.kernel;
  const offset = kernelScoreOffset(sde);
  if (offset === undefined || !kernel) {
    throw new DaleError(
      'unsupported-parameterisation',
      `scoreFnFromModel: a model that predicts 'noise' needs an SDE whose kernel is Gaussian ` +
        `(a declared \`kernel\`: in log x for the Hyvärinen score, such as GBM, or in x for ` +
        `the Stein score, such as VE or VP); the '${sde.family}' SDE (kind '${sde.kind}') ` +
        `${kernel ? `declares one in ${kernel.coordinates} coordinates` : 'has none'}. ` +
        `Train the model to predict 'hyvarinen' or 'stein' instead.`,
    );
  }
  const std = (t: number) => {
    const v = kernel.variance(t);
    if (!(v > 0)) {
      throw new DaleError(
        'invalid-time',
        `scoreFnFromModel: a 'noise' model gives no score at t = ${t}, where the kernel's ` +
          `variance is ${v}; evaluate it at t > 0 (samplers stop at a small t_min)`,
      );
    }
    return Math.sqrt(v);
  };
  return { std, offset };
}

/**
 * A {@link ScoreFn} from a model: the score of the kind `sde.scoreKind` (the Hyvärinen score for
 * multiplicative and positive SDEs, the Stein score for additive ones), converted from what the
 * model predicts:
 *
 * | `model.predicts` | Hyvärinen score (GBM, CIR)        | Stein score (VE, VP)   |
 * |------------------|-----------------------------------|------------------------|
 * | `'hyvarinen'`    | output                            | error (needs ÷ x)      |
 * | `'stein'`        | x ∘ output (guide: M5)            | output                 |
 * | `'noise'` (ε̂)    | −1 − ε̂ / S(t) (guide: M6; GBM)   | −ε̂ / √v(t)             |
 * | `'denoiser'` (F)  | (D + m(t) − log x)/S² − 1 (M16)   | error (log-space only) |
 *
 * The noise row is the score of the transition kernel with the true noise replaced by its
 * prediction, with the kernel's variance `sde.kernel.variance(t)` (S²(t) for GBM, v(t) for an
 * additive SDE, and that of any family that declares its Gaussian kernel). CIR has no Gaussian
 * kernel, so a `'noise'` model cannot drive it.
 * Incompatible pairs throw a `DaleError` here, not at the first call.
 */
export function scoreFnFromModel<C extends ModelConfig, P extends ParamTree>(
  model: Model<C, P>,
  sde: SDE,
  options: ScoreFnOptions<P> = {},
): ScoreFn {
  const params = options.params ?? model.params;
  const classes = Number(model.config['classes'] ?? 0);
  const guidance = checkGuidance(options, classes);
  const labels = options.labels === undefined ? undefined : Array.from(options.labels);
  if (labels && !(classes > 0)) {
    throw new DaleError(
      'unsupported-conditioning',
      'scoreFnFromModel: labels were given, but the model is unconditional (config.classes is 0); ' +
        'train a class-conditional model, or sample without labels',
    );
  }
  const score = labelledScore(model, sde, params, options.rng);
  if (guidance === 0 || !labels) return (x, t) => score(x, t, labels);
  const nulls = labels.map(() => classes);
  // One batch of 2B: the conditional half, then the unconditional half.
  return (x, t) =>
    tf.tidy(() => {
      const both = score(tf.concat([x, x], 0), doubleTime(t), [...labels, ...nulls]);
      const [conditional, unconditional] = tf.split(both, 2, 0);
      return tf.sub(tf.mul(1 + guidance, conditional!), tf.mul(guidance, unconditional!));
    });
}

function checkGuidance(options: ScoreFnOptions<ParamTree>, classes: number): number {
  const guidance = options.guidance ?? 0;
  if (!(typeof guidance === 'number' && Number.isFinite(guidance) && guidance >= 0)) {
    throw new DaleError(
      'invalid-guidance',
      `scoreFnFromModel: guidance must be a finite number >= 0 (0: no guidance), got ${guidance}`,
    );
  }
  if (guidance > 0 && (options.labels === undefined || !(classes > 0))) {
    throw new DaleError(
      'invalid-guidance',
      'scoreFnFromModel: guidance needs a class-conditional model and the labels to guide towards',
    );
  }
  return guidance;
}

function doubleTime(t: Time): Time {
  return typeof t === 'number' ? t : Float64Array.from([...Array.from(t), ...Array.from(t)]);
}

/** A score function that takes the batch's class labels (or none) with each call. */
type LabelledScore = (x: tf.Tensor, t: Time, labels?: readonly number[]) => tf.Tensor;

/** The model's network output for given labels. */
type Prediction = LabelledScore;

/** The score of a model as a function of input, time and labels. */
function labelledScore<C extends ModelConfig, P extends ParamTree>(
  model: Model<C, P>,
  sde: SDE,
  params: P | TensorsOf<P>,
  rng: ApplyOptions['rng'],
): LabelledScore {
  const predict: Prediction = (x, t, labels) => {
    const applyOptions: ApplyOptions = { ...(labels && { labels }), ...(rng && { rng }) };
    const out = model.apply(params, x, t, applyOptions);
    if (!tf.util.arraysEqual(out.shape, x.shape)) {
      const shape = out.shape;
      out.dispose();
      throw new DaleError(
        'invalid-model-output',
        `scoreFnFromModel: the model's output must have the input's shape [${x.shape.join(', ')}], got [${shape.join(', ')}]`,
      );
    }
    return out;
  };
  return scoreFromPrediction(model, sde, predict);
}

/** Convert what the network predicts into the score `sde.scoreKind` names. */
function scoreFromPrediction<C extends ModelConfig, P extends ParamTree>(
  model: Model<C, P>,
  sde: SDE,
  predict: Prediction,
): LabelledScore {
  const target = sde.scoreKind;
  switch (model.predicts) {
    case 'hyvarinen':
      if (target === 'hyvarinen') return predict;
      throw new DaleError(
        'unsupported-parameterisation',
        `scoreFnFromModel: the '${sde.family}' SDE needs the Stein score, but the model predicts ` +
          `the Hyvärinen score x ∘ ∇log p, which cannot be divided by x for data that may be 0 ` +
          `or negative; train the model to predict 'stein' or 'noise'`,
      );
    case 'stein':
      if (target === 'stein') return predict;
      return (x, t, labels) => tf.tidy(() => tf.mul(x, predict(x, t, labels)));
    case 'noise': {
      const { std, offset } = noiseParameterisation(sde);
      return (x, t, labels) =>
        tf.tidy(() => tf.sub(offset, tf.div(predict(x, t, labels), coefficient(t, x, std))));
    }
    case 'denoiser':
      return denoiserScore(model.config, sde, predict);
    default:
      throw new DaleError(
        'invalid-model-config',
        `scoreFnFromModel: model.predicts must be 'hyvarinen', 'stein', 'noise' or 'denoiser', got ${JSON.stringify(model.predicts)}`,
      );
  }
}

/**
 * The Hyvärinen score of a preconditioned log-space denoiser (guide: M16, M17): with y = log x,
 * ŷ = y − m(t) − μ_d and S = S(t), the network F sees c_in ŷ at time c_noise, then
 * D = μ_d + c_skip ŷ + c_out F and s_H = (D + m(t) − y) / S² − 1.
 */
function denoiserScore(config: ModelConfig, sde: SDE, predict: Prediction): LabelledScore {
  const where = `scoreFnFromModel: a 'denoiser' model`;
  if (sde.scoreKind !== 'hyvarinen') {
    throw new DaleError(
      'unsupported-parameterisation',
      `${where} is a log-space denoiser and needs a multiplicative SDE (GBM), got '${sde.family}'`,
    );
  }
  const kernel = requireLogGaussianKernel(sde, where);
  const { sigmaData, dataMean } = checkPreconditioning(config['preconditioning'], where);
  const at = (t: number) => {
    const level = kernel.noiseLevel(t);
    if (!(level > 0)) {
      throw new DaleError(
        'invalid-time',
        `${where} gives no score at t = ${t}, where the noise level S(t) is ${level}; evaluate it at t > 0`,
      );
    }
    return { level, shift: kernel.shift(t), ...preconditioningAt(level, sigmaData) };
  };
  return (x, t, labels) =>
    tf.tidy(() => {
      const c = (pick: (v: ReturnType<typeof at>) => number) =>
        coefficient(t, x, (s) => pick(at(s)));
      const y = tf.log(x);
      const centred = tf.sub(
        tf.sub(
          y,
          c((v) => v.shift),
        ),
        dataMean,
      );
      const F = predict(
        tf.mul(
          c((v) => v.cIn),
          centred,
        ),
        mapTime(t, (s) => at(s).cNoise),
        labels,
      );
      const denoised = tf.add(
        tf.add(
          dataMean,
          tf.mul(
            c((v) => v.cSkip),
            centred,
          ),
        ),
        tf.mul(
          c((v) => v.cOut),
          F,
        ),
      );
      const residual = tf.sub(
        tf.add(
          denoised,
          c((v) => v.shift),
        ),
        y,
      );
      return tf.sub(
        tf.div(
          residual,
          c((v) => v.level * v.level),
        ),
        1,
      );
    });
}

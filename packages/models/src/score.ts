/**
 * The adapter from what a network predicts to the score a sampler or loss consumes.
 * @module
 */
import { DaleError } from '@dale/core';
import { coefficient, type ScoreFn, type SDE, type Time } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import type { Model, ModelConfig } from './model.ts';
import type { ParamTree, TensorsOf } from './params.ts';

/** Options of {@link scoreFnFromModel}. */
export interface ScoreFnOptions<P extends ParamTree> {
  /** Weights to evaluate the model with (e.g. the EMA shadow weights); default `model.params`. */
  readonly params?: P | TensorsOf<P>;
}

/** An additive SDE whose Gaussian kernel has variance v(t), such as `AdditiveSDE` (VE, VP). */
interface KernelVariance {
  variance(t: number): number;
}

function hasKernelVariance(sde: SDE): sde is SDE & KernelVariance {
  return typeof (sde as Partial<KernelVariance>).variance === 'function';
}

/**
 * The kernel's standard deviation in the coordinates where it is Gaussian: S(t) = √S²(t) of
 * log x for a multiplicative SDE (guide: M2), √v(t) for an additive one. Throws where the kernel
 * is not Gaussian in any coordinates (CIR) or t = 0 (the noise parameterisation is singular there).
 */
function noiseStd(sde: SDE): (t: number) => number {
  let variance: (t: number) => number;
  if (sde.kind === 'multiplicative' && sde.schedule) {
    const schedule = sde.schedule;
    variance = (t) => schedule.sigmaSquaredIntegral(t);
  } else if (sde.kind === 'additive' && hasKernelVariance(sde)) {
    variance = (t) => sde.variance(t);
  } else {
    throw new DaleError(
      'unsupported-parameterisation',
      `scoreFnFromModel: a model that predicts 'noise' needs an SDE whose kernel is Gaussian ` +
        `(a multiplicative SDE with a schedule, such as GBM, or an additive SDE with variance(t)); ` +
        `the '${sde.family}' SDE (kind '${sde.kind}') has none. Train the model to predict ` +
        `'hyvarinen' or 'stein' instead.`,
    );
  }
  return (t) => {
    const v = variance(t);
    if (!(v > 0)) {
      throw new DaleError(
        'invalid-time',
        `scoreFnFromModel: a 'noise' model gives no score at t = ${t}, where the kernel's ` +
          `variance is ${v}; evaluate it at t > 0 (samplers stop at a small t_min)`,
      );
    }
    return Math.sqrt(v);
  };
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
 *
 * The noise row is the score of the transition kernel with the true noise replaced by its
 * prediction: for GBM, S²(t) = `sde.schedule.sigmaSquaredIntegral(t)`; for an additive SDE,
 * v(t) = `sde.variance(t)`. CIR has no Gaussian kernel, so a `'noise'` model cannot drive it.
 * Incompatible pairs throw a `DaleError` here, not at the first call.
 */
export function scoreFnFromModel<C extends ModelConfig, P extends ParamTree>(
  model: Model<C, P>,
  sde: SDE,
  options: ScoreFnOptions<P> = {},
): ScoreFn {
  const params = options.params ?? model.params;
  const predict = (x: tf.Tensor, t: Time): tf.Tensor => {
    const out = model.apply(params, x, t);
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
      return (x, t) => tf.tidy(() => tf.mul(x, predict(x, t)));
    case 'noise': {
      const std = noiseStd(sde);
      const offset = target === 'hyvarinen' ? -1 : 0;
      return (x, t) => tf.tidy(() => tf.sub(offset, tf.div(predict(x, t), coefficient(t, x, std))));
    }
    default:
      throw new DaleError(
        'invalid-model-config',
        `scoreFnFromModel: model.predicts must be 'hyvarinen', 'stein' or 'noise', got ${JSON.stringify(model.predicts)}`,
      );
  }
}

import { constantSchedule, DaleError, linearSchedule, Rng } from '@dale/core';
import { cirSDE, GBM, gbm, type SDE, veSDE, vpSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cloneParams,
  createMlp,
  disposeParams,
  type Model,
  type Parameterisation,
  scoreFnFromModel,
} from '../src/index.ts';
import { maxRelativeError, onCpu, take, values } from './helpers.ts';

beforeAll(onCpu);

/** A "model" with no weights whose output is a fixed function of (x, t). */
function oracle(
  predicts: Parameterisation,
  output: (x: tf.Tensor, t: number | ArrayLike<number>) => tf.Tensor,
): Model {
  return {
    config: { kind: 'oracle', predicts },
    params: {},
    predicts,
    apply: (_params, x, t) => output(x, t),
  };
}

const times = [0.01, 0.2, 0.55, 0.9];
const B = times.length;
const D = 3;

/** A point-mass target x₀ = c (per element), noised to x_t by the SDE with known noise Z. */
function pointMass(sde: SDE, seed: number) {
  const rng = Rng.fromSeed(seed);
  const x0 = tf.tensor(
    Float32Array.from({ length: B * D }, () => 0.5 + rng.uniform()),
    [B, D],
  );
  const { xt, noise } = sde.sampleMarginal(x0, times, rng);
  return { x0, xt, noise: noise!, exact: sde.conditionalScore(xt, x0, times) };
}

const multiplicative: Record<string, GBM> = {
  'GBM (σ = 0.8, μ = σ²/2)': gbm(),
  'GBM (linear σ², μ = 0.3)': new GBM({
    schedule: linearSchedule({ sigmaSquaredStart: 0.1, sigmaSquaredEnd: 1.5, mu: 0.3 }),
  }),
  'GBM (σ = 0.5, μ = 1.2, T = 2)': new GBM({
    schedule: constantSchedule({ sigma: 0.5, mu: 1.2, T: 2 }),
  }),
};

describe('scoreFnFromModel on multiplicative SDEs (Hyvärinen score)', () => {
  for (const [name, sde] of Object.entries(multiplicative)) {
    it(`${name}: a model that outputs the exact noise Z gives the exact conditional score −1 − Z/S (M6)`, () => {
      const { x0, xt, noise, exact } = pointMass(sde, 1);
      const score = scoreFnFromModel(
        oracle('noise', () => tf.clone(noise)),
        sde,
      )(xt, times);
      expect(maxRelativeError(take(score), values(exact))).toBeLessThan(1e-5);
      // The value really is −1 − Z/S(t), per batch element.
      const z = values(noise);
      const s = values(exact);
      for (let b = 0; b < B; b++) {
        const S = Math.sqrt(sde.schedule.sigmaSquaredIntegral(times[b]!));
        expect(s[b * D]).toBeCloseTo(-1 - z[b * D]! / S, 3);
      }
      tf.dispose([x0, xt, noise, exact]);
    });
  }

  it('passes a Hyvärinen-score model through and multiplies a Stein-score model by x (M5)', () => {
    const sde = gbm();
    const { x0, xt, noise, exact } = pointMass(sde, 2);
    const asIs = scoreFnFromModel(
      oracle('hyvarinen', () => tf.clone(exact)),
      sde,
    )(xt, times);
    expect(take(asIs)).toEqual(values(exact));
    const stein = tf.div(exact, xt); // ∇ log p = s_H / x
    const fromStein = scoreFnFromModel(
      oracle('stein', () => tf.clone(stein)),
      sde,
    )(xt, times);
    expect(maxRelativeError(take(fromStein), values(exact))).toBeLessThan(1e-6);
    tf.dispose([x0, xt, noise, exact, stein]);
  });

  it('evaluates the noise model with a scalar time as well', () => {
    const sde = gbm();
    const x0 = tf.fill([5, 2], 1.5);
    const { xt, noise } = sde.sampleMarginal(x0, 0.3, Rng.fromSeed(3));
    const exact = sde.conditionalScore(xt, x0, 0.3);
    const score = scoreFnFromModel(
      oracle('noise', () => tf.clone(noise!)),
      sde,
    )(xt, 0.3);
    expect(maxRelativeError(take(score), take(exact))).toBeLessThan(1e-5);
    tf.dispose([x0, xt, noise!]);
  });

  it('refuses t = 0 for a noise model (S(0) = 0), naming the time', () => {
    const fn = scoreFnFromModel(
      oracle('noise', (x) => tf.zerosLike(x)),
      gbm(),
    );
    const x = tf.ones([2, 2]);
    expect(() => fn(x, [0.5, 0])).toThrow(/no score at t = 0, where the kernel's variance is 0/);
    x.dispose();
  });
});

describe('scoreFnFromModel on additive SDEs (Stein score)', () => {
  for (const [name, sde] of Object.entries({ VE: veSDE(), VP: vpSDE() })) {
    it(`${name}: a model that outputs the exact noise gives the exact kernel score −Z/√v`, () => {
      const { x0, xt, noise, exact } = pointMass(sde, 4);
      const score = scoreFnFromModel(
        oracle('noise', () => tf.clone(noise)),
        sde,
      )(xt, times);
      expect(maxRelativeError(take(score), values(exact))).toBeLessThan(1e-5);
      const asIs = scoreFnFromModel(
        oracle('stein', () => tf.clone(exact)),
        sde,
      )(xt, times);
      expect(take(asIs)).toEqual(values(exact));
      tf.dispose([x0, xt, noise, exact]);
    });
  }

  it('refuses a Hyvärinen-score model (it would need a division by x)', () => {
    const error = (() => {
      try {
        scoreFnFromModel(
          oracle('hyvarinen', (x) => tf.clone(x)),
          veSDE(),
        );
      } catch (e) {
        return e as DaleError;
      }
    })();
    expect(error).toBeInstanceOf(DaleError);
    expect(error!.code).toBe('unsupported-parameterisation');
    expect(error!.message).toMatch(/'ve' SDE needs the Stein score/);
  });
});

describe('scoreFnFromModel on CIR (no Gaussian kernel)', () => {
  const sde = cirSDE({ kappa: 2, theta: 1, sigma: 0.5 });

  it('refuses a noise model when it is built, and converts a Stein model by x ∘ (·)', () => {
    expect(() =>
      scoreFnFromModel(
        oracle('noise', (x) => tf.clone(x)),
        sde,
      ),
    ).toThrow(
      /needs an SDE whose kernel is Gaussian .* the 'cir' SDE \(kind 'positive'\) has none/,
    );
    const x = tf.tensor([[0.5, 2]]);
    const fn = scoreFnFromModel(
      oracle('stein', (v) => tf.mul(v, 3)),
      sde,
    );
    expect(Array.from(take(fn(x, 0.5)))).toEqual([0.75, 12]);
    x.dispose();
  });
});

describe('scoreFnFromModel with a real network', () => {
  it('uses options.params (e.g. EMA weights) instead of model.params, and leaks no tensors', () => {
    const sde = gbm();
    const model = createMlp({ inputDim: 2, hidden: [8], timeEmbedding: 8 }, Rng.fromSeed(0));
    const other = cloneParams(model.params);
    other.output.bias.assign(tf.tensor([0.5, -0.25]));
    const x = tf.tensor([
      [0.5, 1.5],
      [2, 3],
    ]);
    const t = [0.3, 0.7];
    const eps = take(model.apply(other, x, t));
    const got = take(scoreFnFromModel(model, sde, { params: other })(x, t));
    const own = take(scoreFnFromModel(model, sde)(x, t));
    for (let b = 0; b < 2; b++) {
      const S = Math.sqrt(0.64 * t[b]!);
      for (let j = 0; j < 2; j++) expect(got[b * 2 + j]).toBeCloseTo(-1 - eps[b * 2 + j]! / S, 5);
    }
    expect(maxRelativeError(own, got)).toBeGreaterThan(0.05); // the bias change shows
    const fn = scoreFnFromModel(model, sde);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) fn(x, 0.1 + i / 20).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    disposeParams(other);
    disposeParams(model.params);
  });

  it('rejects a model whose output shape differs from the input', () => {
    const fn = scoreFnFromModel(
      oracle('hyvarinen', (x) => tf.sum(x, 1)),
      gbm(),
    );
    const x = tf.ones([2, 3]);
    const before = tf.memory().numTensors;
    expect(() => fn(x, 0.5)).toThrow(/output must have the input's shape \[2, 3\], got \[2\]/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

import { geometricSchedule, linearSchedule, Rng } from '@dale/core';
import { GBM, gbm, veSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createUnet,
  denoiserLossWeight,
  type Model,
  preconditioningAt,
  scoreFnFromModel,
  validateUnetConfig,
} from '../src/index.ts';
import { maxRelativeError, onCpu, take, values } from './helpers.ts';

beforeAll(onCpu);

const pre = { sigmaData: 0.22, dataMean: 0.1 };

describe('preconditioning coefficients (guide: M17)', () => {
  it('give unit-variance input and target and the EDM weight 1/c_out²', () => {
    for (const S of [0.002, 0.05, 0.22, 1, 7.6]) {
      const { cSkip, cOut, cIn, cNoise } = preconditioningAt(S, pre.sigmaData);
      const total = S * S + pre.sigmaData ** 2;
      expect(cIn * cIn * total).toBeCloseTo(1, 12); // Var(c_in ŷ) = 1
      // Var((y₀ − c_skip ŷ)/c_out) = 1 for y₀ of variance σ_d², ŷ = y₀ + S z.
      const targetVar = ((1 - cSkip) ** 2 * pre.sigmaData ** 2 + cSkip ** 2 * S * S) / cOut ** 2;
      expect(targetVar).toBeCloseTo(1, 10);
      expect(cNoise).toBeCloseTo(Math.log(S) / 4, 14);
      expect(denoiserLossWeight(S, pre.sigmaData) * cOut * cOut).toBeCloseTo(1, 10);
    }
    expect(() => preconditioningAt(0, 0.2)).toThrow(/noise level/);
  });
});

/**
 * An oracle "network" for a point-mass target x₀: from its preconditioned input and c_noise it
 * recovers ŷ and S, and outputs the F for which D = log x₀ exactly. The score it yields must then
 * equal the kernel's Hyvärinen score at x₀ (guide: M6), for any schedule and drift.
 */
function pointMassDenoiser(logX0: tf.Tensor): Model {
  return {
    config: { kind: 'oracle', predicts: 'denoiser', preconditioning: pre },
    params: {},
    predicts: 'denoiser',
    apply: (_p, input, cNoise) =>
      tf.tidy(() => {
        const levels = Array.from(cNoise as ArrayLike<number>, (c) => Math.exp(4 * c));
        const coef = (f: (S: number) => number) =>
          tf.tensor(levels.map(f), [levels.length, 1], 'float32');
        const c = (S: number) => preconditioningAt(S, pre.sigmaData);
        const centred = tf.div(
          input,
          coef((S) => c(S).cIn),
        );
        const wanted = tf.sub(
          tf.sub(logX0, pre.dataMean),
          tf.mul(
            coef((S) => c(S).cSkip),
            centred,
          ),
        );
        return tf.div(
          wanted,
          coef((S) => c(S).cOut),
        );
      }),
  };
}

describe("scoreFnFromModel with a 'denoiser' model (guide: M16)", () => {
  const families = {
    'wide GBM (geometric σ, μ = σ²/2)': new GBM({
      schedule: geometricSchedule({
        sigmaMin: 0.002,
        sigmaMax: 7.6,
        mu: { sigmaSquaredRatio: 0.5 },
      }),
    }),
    'GBM with μ ≠ σ²/2 (linear σ², μ = 0.3)': new GBM({
      schedule: linearSchedule({ sigmaSquaredStart: 0.1, sigmaSquaredEnd: 1.5, mu: 0.3 }),
    }),
  };
  for (const [name, sde] of Object.entries(families)) {
    it(`a perfect denoiser of a point mass gives the kernel's score: ${name}`, () => {
      const rng = Rng.fromSeed(4);
      const times = [0.01, 0.2, 0.6, 0.95];
      const x0 = tf.tensor(
        Float32Array.from({ length: 12 }, () => 1 + rng.uniform()),
        [4, 3],
      );
      const { xt, noise } = sde.sampleMarginal(x0, times, rng);
      const logX0 = tf.log(x0);
      const score = scoreFnFromModel(pointMassDenoiser(logX0), sde);
      const got = values(score(xt, times));
      const want = values(sde.conditionalScore(xt, x0, times));
      expect(maxRelativeError(got, want)).toBeLessThan(2e-4);
      tf.dispose([x0, xt, noise!, logX0]);
    });
  }

  it('refuses an SDE without a log-space Gaussian kernel and t with S(t) = 0', () => {
    const model = pointMassDenoiser(tf.zeros([1, 1]));
    expect(() => scoreFnFromModel(model, veSDE())).toThrow(/multiplicative/);
    const score = scoreFnFromModel(model, gbm());
    expect(() => score(tf.ones([1, 1]), 0)).toThrow(/S\(t\)/);
  });
});

describe('class conditioning and classifier-free guidance', () => {
  /** An oracle whose output depends on the label: label ℓ adds ℓ, "no class" (K = 3) adds 10. */
  const labelled: Model = {
    config: { kind: 'oracle', predicts: 'hyvarinen', classes: 3 },
    params: {},
    predicts: 'hyvarinen',
    apply: (_p, x, _t, options) => {
      const labels = Array.from(options?.labels ?? Array(x.shape[0]).fill(3), (l) =>
        l === 3 ? 10 : l,
      );
      return tf.tidy(() => tf.add(x, tf.tensor(labels, [labels.length, 1], 'float32')));
    },
  };
  const x = () =>
    tf.tensor([
      [1, 2],
      [3, 4],
    ]);

  it('passes the labels, and omitted labels mean "no class"', () => {
    expect(take(scoreFnFromModel(labelled, gbm(), { labels: [0, 2] })(x(), 0.5))).toEqual(
      Float64Array.from([1, 2, 5, 6]),
    );
    expect(take(scoreFnFromModel(labelled, gbm())(x(), 0.5))).toEqual(
      Float64Array.from([11, 12, 13, 14]),
    );
  });

  it('guidance w gives (1 + w) s(x | c) − w s(x | no class)', () => {
    const w = 2;
    const got = take(
      scoreFnFromModel(labelled, gbm(), { labels: [1, 2], guidance: w })(x(), [0.3, 0.7]),
    );
    const cond = [2, 3, 5, 6];
    const uncond = [11, 12, 13, 14];
    expect(Array.from(got)).toEqual(cond.map((c, i) => (1 + w) * c - w * uncond[i]!));
  });

  it('rejects guidance < 0, guidance without labels and labels on an unconditional model', () => {
    expect(() => scoreFnFromModel(labelled, gbm(), { labels: [1, 2], guidance: -1 })).toThrow(
      /guidance/,
    );
    expect(() => scoreFnFromModel(labelled, gbm(), { guidance: 1 })).toThrow(/guidance/);
    const plain: Model = { ...labelled, config: { kind: 'oracle', predicts: 'hyvarinen' } };
    expect(() => scoreFnFromModel(plain, gbm(), { labels: [0, 1] })).toThrow(/unconditional/);
  });
});

describe('class-conditional U-Net', () => {
  const config = {
    inputShape: [8, 8, 1] as const,
    baseChannels: 8,
    channelMultipliers: [1, 2],
    resBlocksPerLevel: 1,
    attentionResolutions: [],
    timeEmbedding: 16,
    dropout: 0,
  };

  it('an unconditional U-Net has the same weights as before conditioning existed', () => {
    const a = createUnet(config, Rng.fromSeed(1));
    const b = createUnet({ ...config, classes: 0 }, Rng.fromSeed(1));
    expect(a.params.label).toBeUndefined();
    expect(take(tf.clone(a.params.output.kernel))).toEqual(take(tf.clone(b.params.output.kernel)));
  });

  it('labels change the output, "no class" is the default, and the table gets gradients', () => {
    const model = createUnet({ ...config, classes: 4, predicts: 'noise' }, Rng.fromSeed(2));
    const input = tf.ones([2, 8, 8, 1]);
    const a = values(model.apply(model.params, input, 0.5, { labels: [0, 1] }));
    const none = values(model.apply(model.params, input, 0.5, { labels: [4, 4] }));
    const omitted = values(model.apply(model.params, input, 0.5));
    expect(omitted).toEqual(none);
    expect(maxRelativeError(a, none, 1e-6)).toBeGreaterThan(1e-4);
    const table = model.params.label!.table;
    const { grads } = tf.variableGrads(
      () =>
        tf.sum(tf.square(model.apply(model.params, input, 0.5, { labels: [0, 1] }))) as tf.Scalar,
      [table],
    );
    const g = values(grads[table.name]!);
    const E = 16;
    const rowNorm = (r: number) => g.slice(r * E, (r + 1) * E).reduce((s, v) => s + v * v, 0);
    expect(rowNorm(0)).toBeGreaterThan(0);
    expect(rowNorm(1)).toBeGreaterThan(0);
    expect(rowNorm(2)).toBe(0);
    expect(() => model.apply(model.params, input, 0.5, { labels: [0, 5] })).toThrow(/labels/);
  });

  it("validates a 'denoiser' U-Net: it needs preconditioning and the identity input", () => {
    const base = { ...createUnet(config, Rng.fromSeed(0)).config };
    expect(() => validateUnetConfig({ ...base, predicts: 'denoiser' })).toThrow(/preconditioning/);
    expect(() =>
      validateUnetConfig({
        ...base,
        predicts: 'denoiser',
        preconditioning: pre,
        inputTransform: 'log',
      }),
    ).toThrow(/identity/);
    const ok = validateUnetConfig({
      ...base,
      predicts: 'denoiser',
      preconditioning: pre,
      inputTransform: 'identity',
    });
    expect(ok.preconditioning).toEqual(pre);
    const { classes: _c, preconditioning: _p, ...old } = base;
    expect(validateUnetConfig(old).classes).toBe(0);
  });
});

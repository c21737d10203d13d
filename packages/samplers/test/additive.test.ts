import { Rng } from '@dale/core';
import { veSDE, vpSDE } from '@dale/sde';
import { beforeAll, describe, it } from 'vitest';
import {
  eulerMaruyamaSampler,
  predictorCorrectorSampler,
  probabilityFlowSampler,
} from '../src/index.ts';
import { fastGaussianScore } from './exact-score.ts';
import { expectMatches, gaussianTarget, N_SAMPLES, onCpu } from './helpers.ts';

beforeAll(onCpu);

const target = gaussianTarget();
const eps = 1e-3;

// Same bounds as the multiplicative samplers: KS < 1.949/√n (99.9% noise) + 0.01 discretisation
// slack (measured KS 0.005–0.013 for these runs), moments within 5 SE + 1% of the spread.
describe('the additive samplers reproduce a Gaussian mixture (exact Stein score, 10k samples)', () => {
  for (const [name, sde] of [
    ['VP (β from 0.1 to 20)', vpSDE()],
    ['VE (σ from 0.01 to 10)', veSDE({ sigmaMax: 10 })],
  ] as const) {
    const score = fastGaussianScore(target, sde);
    const atEps = target.noised(sde, eps);
    const startAtT = (seed: number) =>
      target.noised(sde, sde.T).sample(N_SAMPLES, Rng.fromSeed(seed));

    it(`${name}: Euler–Maruyama, 200 steps`, async () => {
      const init = startAtT(1);
      const x = await eulerMaruyamaSampler(score, sde, {
        init,
        rng: Rng.fromSeed(2),
        steps: 200,
        eps,
      });
      init.dispose();
      expectMatches(x, atEps, 0.01);
    });

    it(`${name}: predictor–corrector (batch-mean norms), 100 steps`, async () => {
      const init = startAtT(3);
      const x = await predictorCorrectorSampler(score, sde, {
        init,
        rng: Rng.fromSeed(4),
        steps: 100,
        eps,
        snrNorm: 'batch-mean',
      });
      init.dispose();
      expectMatches(x, atEps, 0.01);
    });

    it(`${name}: probability-flow ODE (RK45)`, async () => {
      const init = startAtT(5);
      const x = await probabilityFlowSampler(score, sde, {
        init,
        rng: Rng.fromSeed(6),
        eps,
        rtol: 1e-4,
        atol: 1e-4,
      });
      init.dispose();
      expectMatches(x, atEps, 0.01);
    });
  }
});

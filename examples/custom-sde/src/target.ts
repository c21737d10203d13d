/**
 * The toy data and its exact law at every time under the exponential OU SDE.
 * @module
 */
import { LogNormalMixture, perTime } from '@dale/data';
import type { ScoreFn } from '@dale/sde';
import type { ExpOU } from './exp-ou.ts';

/**
 * The 1-D positive toy distribution: two well-separated log-normal modes, log X ~
 * 0.6 N(−0.5, 0.15²) + 0.4 N(0.7, 0.2²), about 0.6 and 2. The prior (log X ~ N(0, 1)) is one
 * broad mode, so a sampler that ignores the score lands far from it.
 */
export const target = new LogNormalMixture([
  { weight: 0.6, mean: [-0.5], std: [0.15] },
  { weight: 0.4, mean: [0.7], std: [0.2] },
]);

/**
 * The exact law of X_t when X₀ ~ `data` and X follows `sde`: each log-space component
 * N(μ, s²) moves to N(m + (μ − m) e^{−θt}, s² e^{−2θt} + v(t)).
 */
export function noisedTarget(data: LogNormalMixture, sde: ExpOU, t: number): LogNormalMixture {
  const a = sde.decay(t);
  return new LogNormalMixture(
    data.latent.transformed(a, sde.logVariance(t), sde.logMean * (1 - a)),
  );
}

/** The exact Hyvärinen score x ∘ ∇log p_t(x) of the noised law, at every t. */
export function exactScore(data: LogNormalMixture, sde: ExpOU): ScoreFn {
  return perTime(
    (t) => noisedTarget(data, sde, t),
    (law, x) => law.hyvarinenScore(x),
  );
}

/**
 * Write your own sampler, register it by name and check it against the truth.
 *
 *   node --conditions=@dale/source examples/custom-sampler/main.ts
 *
 * The target is a 2-D log-normal mixture whose exact Hyvärinen score is known at every t, and
 * every chain starts from exact draws of p_T, so the distance to the truth that is printed is
 * the sampler's own error (plus the Monte Carlo noise of 10,000 samples, printed first).
 */
import { Rng, useBackend } from '@dale/core';
import { LogNormalMixture } from '@dale/data';
import { getSampler, listSamplers } from '@dale/samplers';
import { gbm } from '@dale/sde';
import type * as tf from '@tensorflow/tfjs-core';
import './register.ts'; // registerSampler('log-heun', logHeunSampler)

await useBackend('cpu');

console.log(`registered samplers: ${listSamplers().join(', ')}`);

const target = new LogNormalMixture([
  { weight: 0.4, mean: [0.0, 0.3], std: [0.25, 0.3] },
  { weight: 0.6, mean: [0.8, -0.2], std: [0.3, 0.2] },
]);
const sde = gbm(); // σ = 0.8, μ = 0.32, T = 1
const score = target.scoreFn(sde); // exact s_H(x, t) of the noised mixture
const n = 10_000;
const eps = 1e-3;
const truth = target.noised(sde, eps); // the law the samplers aim at (they stop at t = ε)

/** The largest one-dimensional Kolmogorov–Smirnov distance to the truth over the dimensions. */
function distanceToTruth(x: tf.Tensor): number {
  const values = x.dataSync();
  let worst = 0;
  for (let dim = 0; dim < target.dim; dim++) {
    const column = Float64Array.from({ length: n }, (_, i) => values[i * target.dim + dim]!).sort();
    for (let i = 0; i < n; i++) {
      const F = truth.marginalCdf(dim, column[i]!);
      worst = Math.max(worst, Math.abs(F - i / n), Math.abs(F - (i + 1) / n));
    }
  }
  return worst;
}

const exact = truth.sample(n, Rng.fromSeed(1));
console.log(`exact sample (Monte Carlo noise only): KS ${distanceToTruth(exact).toFixed(4)}`);
exact.dispose();

// The same budget of score evaluations for both (Heun evaluates twice per step), on a grid that
// is denser near ε, where the score changes fastest.
for (const evaluations of [20, 40, 100]) {
  for (const [name, steps] of [
    ['log-heun', evaluations / 2],
    ['dale-langevin', evaluations],
  ] as const) {
    const init = target.noised(sde, sde.T).sample(n, Rng.fromSeed(2));
    let used = 0;
    const x = await getSampler(name)(score, sde, {
      init,
      rng: Rng.fromSeed(3),
      steps,
      eps,
      spacing: 'quadratic',
      onStep: ({ nfe }) => {
        used = nfe;
      },
    });
    const label = `${name} (${steps} steps, ${used} score evaluations)`;
    console.log(`${label.padEnd(48)} KS ${distanceToTruth(x).toFixed(4)}`);
    init.dispose();
    x.dispose();
  }
}

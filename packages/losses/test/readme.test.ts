/** The README's example runs, and the README shows exactly this code (checked below). */
import { readFileSync } from 'node:fs';
import { Rng } from '@dale/core';
import { LogNormalMixture } from '@dale/data';
import { gbm, type ScoreFn } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { mdsmLoss, mesmLoss } from '../src/index.ts';
import { onCpu } from './helpers.ts';

beforeAll(onCpu);

/** Lines between two marker comments of this file, without their common indentation. */
function region(source: string, start: string, end: string): string {
  const lines = source.split('\n');
  const body = lines.slice(
    lines.findIndex((l) => l.includes(start)) + 1,
    lines.findIndex((l) => l.includes(end)),
  );
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => l.search(/\S/)));
  return body
    .map((l) => l.slice(indent))
    .join('\n')
    .trim();
}

it('the README example trains a score model with M-DSM and lowers M-ESM', () => {
  // README:start
  const sde = gbm(); // σ = 0.8, μ = σ²/2, T = 1: the reference setting
  const data = new LogNormalMixture([{ weight: 1, mean: [0.3, -0.2], std: [0.4, 0.25] }]);
  const rng = Rng.fromSeed(0);

  // A small Hyvärinen-score model: s(x, t) = a + b ∘ log x + t (c + d ∘ log x).
  const [a, b, c, d] = [0, 1, 2, 3].map(() => tf.variable(tf.zeros([2])));
  const score: ScoreFn = (x, t) =>
    tf.tidy(() => {
      const time = tf.tensor2d(Float32Array.from(t as ArrayLike<number>), [x.shape[0]!, 1]);
      const logX = tf.log(x);
      return tf.add(tf.add(a!, tf.mul(b!, logX)), tf.mul(time, tf.add(c!, tf.mul(d!, logX))));
    });

  // Times are drawn per example on [ε, T] and the noise from `rng`; λ(t) = (σ²t)².
  const optimizer = tf.train.adam(0.05);
  for (let step = 0; step < 300; step++) {
    const x0 = data.sample(256, rng);
    optimizer.minimize(() => mdsmLoss(score, x0, { sde, rng }));
    x0.dispose();
  }

  // Validate against the exact Hyvärinen score of the noised data.
  const x0 = data.sample(512, Rng.fromSeed(1));
  const esm = mesmLoss(score, x0, { sde, rng: Rng.fromSeed(2), trueScore: data.scoreFn(sde) });
  const trained = esm.dataSync()[0]; // ≈ 0.015, down from ≈ 0.74 before training
  // README:end

  // The untrained model (all parameters 0) on the same draws.
  for (const v of [a, b, c, d]) tf.tidy(() => v!.assign(tf.zeros([2])));
  const untrained = mesmLoss(score, x0, {
    sde,
    rng: Rng.fromSeed(2),
    trueScore: data.scoreFn(sde),
  });
  const initial = untrained.dataSync()[0]!;
  expect(initial).toBeGreaterThan(0.5);
  expect(trained).toBeLessThan(initial / 20);
  tf.dispose([esm, untrained, x0, a!, b!, c!, d!]);
  optimizer.dispose();
});

it('the README shows the same code as the test above (imports aside)', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const shown = block
    .split('\n')
    .filter((l) => !l.startsWith('import '))
    .join('\n')
    .trim();
  const source = readFileSync(new URL(import.meta.url), 'utf8');
  expect(shown).toBe(region(source, '// README:start', '// README:end'));
  expect(block).toContain("from '@dale/losses'");
});

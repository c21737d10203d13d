import { readFileSync } from 'node:fs';
import { Rng, randomNormal, useBackend } from '@dale/core';
import { LogNormalMixture } from '@dale/data';
import {
  daleLangevinSampler,
  eulerMaruyamaUpdate,
  type GridSamplerOptions,
  initialSample,
  ProgressReporter,
  resolveGrid,
  runChain,
  type Sampler,
} from '@dale/samplers';
import { fromLatent, gbm, isPositiveSDE, toLatent } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { logHeunSampler } from '../src/sampler.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

const sde = gbm();
const target = new LogNormalMixture([
  { weight: 0.4, mean: [0.0, 0.3], std: [0.25, 0.3] },
  { weight: 0.6, mean: [0.8, -0.2], std: [0.3, 0.2] },
]);
const score = target.scoreFn(sde);
const options = (seed: number): GridSamplerOptions => ({
  shape: [200, 2],
  rng: Rng.fromSeed(seed),
  steps: 30,
  spacing: 'quadratic',
});

/** The same method with the loop written out by hand, as the example did before `runChain`. */
const handWritten: Sampler<GridSamplerOptions> = async (score, sde, options) => {
  if (!isPositiveSDE(sde)) throw new Error('needs a positive SDE');
  const times = resolveGrid(sde, options, 'handWritten');
  const reverse = sde.reverseLatent(score);
  const progress = new ProgressReporter(options, times.length - 1, 'handWritten');
  const start = initialSample(sde, options, 'handWritten');
  let y = toLatent(start);
  start.dispose();
  for (let k = 0; k + 1 < times.length; k++) {
    const [t, s] = [times[k]!, times[k + 1]!];
    const current = y;
    y = tf.tidy(() => {
      const z = randomNormal(options.rng, current.shape);
      const noise = tf.mul(Math.sqrt(t - s), tf.mul(reverse.diffusion(current, t), z));
      const driftHere = reverse.drift(current, t);
      const trial = tf.add(tf.sub(current, tf.mul(t - s, driftHere)), noise);
      const driftThere = reverse.drift(trial, s);
      return tf.add(tf.sub(current, tf.mul((t - s) / 2, tf.add(driftHere, driftThere))), noise);
    });
    current.dispose();
    await progress.step(s, 2, () => fromLatent(y));
  }
  const x = fromLatent(y);
  y.dispose();
  return x;
};

describe('a sampler is its update', () => {
  it('src/sampler.ts is at most 20 lines of code, imports included', () => {
    const source = readFileSync(new URL('../src/sampler.ts', import.meta.url), 'utf8');
    const code = source
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .split('\n')
      .filter((line) => line.trim() && !line.trim().startsWith('//'));
    expect(code.length).toBeLessThanOrEqual(20);
  });

  it('log-heun on runChain gives exactly the samples and progress of the hand-written loop', async () => {
    const seen: number[][] = [[], []];
    const [a, b] = [logHeunSampler, handWritten].map((sampler, i) =>
      sampler(score, sde, { ...options(3), onStep: ({ t, nfe }) => void seen[i]!.push(t, nfe) }),
    );
    const [x, y] = await Promise.all([a!, b!]);
    expect(x.dataSync()).toEqual(y.dataSync());
    expect(seen[0]).toEqual(seen[1]);
    x.dispose();
    y.dispose();
  });

  it('Dale–Langevin as a runChain step reproduces the built-in sampler exactly', async () => {
    const mine: Sampler<GridSamplerOptions> = (score, sde, options) =>
      runChain(score, sde, options, {
        name: 'mine',
        space: 'log',
        times: resolveGrid(sde, options, 'mine'),
        step: eulerMaruyamaUpdate,
      });
    const x = await mine(score, sde, options(4));
    const y = await daleLangevinSampler(score, sde, options(4));
    expect(x.dataSync()).toEqual(y.dataSync());
    x.dispose();
    y.dispose();
  });
});

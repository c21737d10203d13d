import { readFileSync } from 'node:fs';
import { Rng, randomNormal, useBackend } from '@dale/core';
import { LogNormalMixture } from '@dale/data';
import { gbm } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  daleLangevinSampler,
  eulerMaruyamaStep,
  type GridSamplerOptions,
  getSampler,
  registerSampler,
  resolveGrid,
  runChain,
  type Sampler,
} from '../src/index.ts';
import { take } from './helpers.ts';

/** The code between `// README:<name>` and `// README:end` in this file, dedented. */
function region(name: string): string {
  const source = readFileSync(new URL(import.meta.url).pathname, 'utf8');
  const start = source.indexOf(`// README:${name}\n`);
  const end = source.indexOf('// README:end', start);
  const lines = source.slice(source.indexOf('\n', start) + 1, end).split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.search(/\S/)));
  return lines
    .map((l) => l.slice(indent))
    .join('\n')
    .trim();
}

/** The README's code block that follows `heading`, without its import lines. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const after = readme.slice(readme.indexOf(heading));
  const block = after.slice(
    after.indexOf('```ts\n') + 6,
    after.indexOf('\n```', after.indexOf('```ts\n')),
  );
  return block.replace(/^import[\s\S]*?from '[^']+';\n/gm, '').trim();
}

describe('README', () => {
  it('the quick start runs and recovers E[log X₀]', async () => {
    const logged: string[] = [];
    const console = { log: (v: unknown) => logged.push(JSON.stringify(v)) };
    // README:quick-start
    await useBackend('cpu');
    const target = new LogNormalMixture([{ weight: 1, mean: [0.5, -0.2], std: [0.3, 0.2] }]);
    const sde = gbm(); // σ = 0.8, μ = 0.32, T = 1
    const score = target.scoreFn(sde); // x ∘ ∇log p_t(x), exact

    const x = await daleLangevinSampler(score, sde, {
      init: target.noised(sde, sde.T).sample(2000, Rng.fromSeed(0)), // exact draws of p_T
      rng: Rng.fromSeed(1),
      steps: 200,
      onStep: ({ step, total }) => {
        if (step % 100 === 0) console.log(`step ${step}/${total}`);
      },
    });
    const logMean = tf.tidy(() => tf.mean(tf.log(x), 0).arraySync() as number[]);
    console.log(logMean); // ≈ [0.5, -0.2]: E[log X₀]
    x.dispose();
    // README:end
    expect(logged.slice(0, 2)).toEqual(['"step 100/200"', '"step 200/200"']);
    // 5 standard errors of the mean of log X (std ≤ 0.3, n = 2000) is 0.034.
    expect(Math.abs(logMean[0]! - 0.5)).toBeLessThan(0.034);
    expect(Math.abs(logMean[1]! + 0.2)).toBeLessThan(0.034);
    expect(region('quick-start')).toBe(readmeBlock('## Quick start'));
  });

  it('the "write your own sampler" code runs and equals the built-in Dale–Langevin sampler', async () => {
    await useBackend('cpu');
    const sde = gbm();
    const target = new LogNormalMixture([{ weight: 1, mean: [0.5, -0.2], std: [0.3, 0.2] }]);
    const score = target.scoreFn(sde);
    // README:write-your-own
    /** Dale–Langevin on the chain helper: replace the update with your own. */
    const mySampler: Sampler<GridSamplerOptions> = (score, sde, options) =>
      runChain(score, sde, options, {
        name: 'mySampler',
        space: 'log', // y = log x: space.reverse is the log-space reverse SDE (guide: M7')
        times: resolveGrid(sde, options, 'mySampler'), // steps / eps / spacing / times
        step: (y, t, s, { space, rng }) =>
          eulerMaruyamaStep(space.reverse, y, t, t - s, randomNormal(rng, y.shape)), // from t to s
      });

    registerSampler('my-sampler', mySampler);
    const x = await getSampler('my-sampler')(score, sde, {
      shape: [100, 2],
      rng: Rng.fromSeed(2),
      steps: 50,
    });
    // README:end
    const builtIn = await daleLangevinSampler(score, sde, {
      shape: [100, 2],
      rng: Rng.fromSeed(2),
      steps: 50,
    });
    expect(take(x)).toEqual(take(builtIn));
    expect(region('write-your-own')).toBe(readmeBlock('## Write your own sampler'));
  });
});

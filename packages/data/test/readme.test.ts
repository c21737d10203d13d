import { readFileSync } from 'node:fs';
import { Rng, useBackend } from '@dale/core';
import { gbm } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fitNoisedPrior, shiftTransform } from '../src/index.ts';
import { loadMnist } from '../src/node.ts';
import { announceSkip, DATA_DIR, NEEDS_DATA } from './helpers/env.ts';

announceSkip('the README quick start');

/** The README's quick-start body (after its imports), and the same code as run below. */
function snippets(): { readme: string; test: string } {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /## Quick start[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const body = block.slice(block.indexOf('\n\n') + 2).trimEnd();
  const self = readFileSync(new URL(import.meta.url), 'utf8');
  const marked = /\/\/ README-BEGIN\n([\s\S]*?)\n\s*\/\/ README-END/.exec(self)![1]!;
  const test = marked
    .split('\n')
    .map((line) => line.replace(/^ {4}/, ''))
    .join('\n');
  return { readme: body, test };
}

describe('README', () => {
  it('shows exactly the code that the quick-start test runs', () => {
    const { readme, test } = snippets();
    expect(readme).toBe(test);
    expect(readFileSync(new URL('../README.md', import.meta.url), 'utf8')).toContain(
      "import { fitNoisedPrior, shiftTransform } from '@dale/data';\nimport { loadMnist } from '@dale/data/node';",
    );
  });

  it.skipIf(!DATA_DIR)(`quick start runs${NEEDS_DATA}`, async () => {
    const numTensors = tf.memory().numTensors;
    // README-BEGIN
    await useBackend('cpu');

    // $DALE_DATA_DIR/mnist/, then the cache, then a SHA-256-verified download into the cache.
    const mnist = await loadMnist({ split: 'test' });
    console.log(mnist.size, mnist.shape); // 10000 [28, 28, 1]

    const transform = shiftTransform(1); // x ↦ x + 1, the reference's positivity transform
    const sde = gbm(); // σ = 0.8, μ = 0.32, T = 1
    const rng = Rng.fromSeed(0);
    for (const batch of mnist.head(256).epoch({ batchSize: 64, rng: rng.split('data') })) {
      const x0 = transform.forward(batch.images); // [64, 28, 28, 1], values in [1, 2]
      const { xt, noise } = sde.sampleMarginal(x0, 0.5, rng.split('noise'));
      // … a training step on (xt, noise, batch.labels) …
      tf.dispose([x0, xt, noise!]);
      batch.dispose();
    }

    // The log-normal prior fitted to the noised data (MATH.md §7), here on 1,000 images.
    const prior = fitNoisedPrior(mnist.head(1000), { sde, transform, rng: rng.split('prior') });
    console.log(prior); // { m: ≈0.09, s: ≈0.83 }

    // Store the transform with the checkpoint; rebuild it with transformFromConfig(config).
    const config = transform.toJSON(); // { kind: 'shift', c: 1 }
    // README-END
    expect(mnist.size).toBe(10_000);
    expect(mnist.shape).toEqual([28, 28, 1]);
    expect(Math.abs((prior.m as number) - 0.09)).toBeLessThan(0.01);
    expect(Math.abs((prior.s as number) - 0.83)).toBeLessThan(0.01);
    expect(config).toEqual({ kind: 'shift', c: 1 });
    expect(tf.memory().numTensors).toBe(numTensors);
  });
});

import { DaleError, Rng } from '@dale/core';
import { gbm } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { logHeunSampler } from '../../../examples/custom-sampler/src/sampler.ts';
import {
  daleLangevinSampler,
  getSampler,
  listSamplers,
  type PredictorCorrectorOptions,
  registerSampler,
  type Sampler,
} from '../src/index.ts';
import { fastLogNormalScore } from './exact-score.ts';
import { expectMatches, logNormalTarget, N_SAMPLES, onCpu } from './helpers.ts';

beforeAll(onCpu);

describe('the sampler registry', () => {
  it('holds the built-in samplers by name', () => {
    expect(listSamplers()).toEqual(
      expect.arrayContaining([
        'annealed-dale-langevin',
        'annealed-sign-agnostic',
        'dale-langevin',
        'euler-maruyama',
        'predictor-corrector',
        'probability-flow',
        'sign-agnostic',
      ]),
    );
    expect(getSampler('dale-langevin')).toBe(daleLangevinSampler);
  });

  it('names the registered samplers when a name is unknown', () => {
    expect(() => getSampler('dale-langvin')).toThrow(DaleError);
    expect(() => getSampler('dale-langvin')).toThrow(
      /no sampler named "dale-langvin"; registered samplers: .*dale-langevin.*sign-agnostic/,
    );
  });

  it('rejects bad names, non-functions and duplicates unless asked to replace', () => {
    const noop: Sampler = async () => tf.zeros([1]);
    expect(() => registerSampler('My Sampler', noop)).toThrow(
      /lower-case letters, digits and hyphens/,
    );
    expect(() => registerSampler('x', 42 as unknown as Sampler)).toThrow(/must be a function/);
    expect(() => registerSampler('dale-langevin', noop)).toThrow(
      /'dale-langevin' is already registered; pass \{ replace: true \}/,
    );
    registerSampler('test-noop', noop);
    expect(getSampler('test-noop')).toBe(noop);
    const other: Sampler = async () => tf.ones([1]);
    const unregister = registerSampler('test-noop', other, { replace: true });
    expect(getSampler('test-noop')).toBe(other);
    // The same sampler again is a no-op; unregistering undoes the registration.
    registerSampler('test-noop', other);
    unregister();
    expect(listSamplers()).not.toContain('test-noop');
    expect(() => getSampler('test-noop')).toThrow(/no sampler named "test-noop"/);
  });

  it('types a lookup by a built-in name with that sampler’s options, variables included', async () => {
    const sde = gbm();
    const score = fastLogNormalScore(logNormalTarget(), sde);
    // A variable of the sampler's own options type (not an object literal): accepted for the
    // typed lookup and for a lookup by a name known only at run time.
    const options: PredictorCorrectorOptions = {
      shape: [8, 2],
      rng: Rng.fromSeed(1),
      steps: 5,
      snr: 0.1,
    };
    const byName: string = 'predictor-corrector';
    const a = await getSampler('predictor-corrector')(score, sde, options);
    const b = await getSampler(byName)(score, sde, { ...options, rng: Rng.fromSeed(1) });
    expect(a.dataSync()).toEqual(b.dataSync());
    tf.dispose([a, b]);
    const dale = getSampler('dale-langevin');
    // @ts-expect-error: snr is not an option of the Dale–Langevin sampler.
    const wrong: Parameters<typeof dale>[2] = { rng: options.rng, snr: 1 };
    expect(wrong).toBeDefined();
  });
});

describe('examples/custom-sampler: a user-written sampler through the registry', () => {
  it('log-space stochastic Heun, registered by name, reproduces a log-normal mixture (50 steps, 10k samples)', async () => {
    registerSampler('test-log-heun', logHeunSampler);
    const sde = gbm();
    const target = logNormalTarget();
    const init = target.noised(sde, sde.T).sample(N_SAMPLES, Rng.fromSeed(1));
    const steps: number[] = [];
    const x = await getSampler('test-log-heun')(fastLogNormalScore(target, sde), sde, {
      init,
      rng: Rng.fromSeed(2),
      steps: 50,
      eps: 1e-3,
      spacing: 'quadratic',
      onStep: ({ nfe }) => {
        steps.push(nfe);
      },
    });
    init.dispose();
    expect(steps.at(-1)).toBe(100);
    // Same bounds as the built-in samplers (measured KS 0.009–0.010 here).
    expectMatches(x, target.noised(sde, 1e-3), 0.01);
  });
});

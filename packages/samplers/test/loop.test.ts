import { DaleError, Rng } from '@dale/core';
import { gbm, vpSDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  annealedDaleLangevinSampler,
  annealedSignAgnosticSampler,
  type ChainDefinition,
  daleLangevinSampler,
  eulerMaruyamaSampler,
  predictorCorrectorSampler,
  probabilityFlowSampler,
  runChain,
  type SamplerOptions,
  type StepInfo,
  signAgnosticSampler,
  snapshotCollector,
} from '../src/index.ts';
import { fastGaussianScore, fastLogNormalScore } from './exact-score.ts';
import { gaussianTarget, logNormalTarget, onCpu, take } from './helpers.ts';

beforeAll(onCpu);

const sde = gbm();
const target = logNormalTarget();
const score = fastLogNormalScore(target, sde);

describe('memory: no tensor is left behind over 1000 steps', () => {
  const cases: [string, () => Promise<tf.Tensor>][] = [
    ['signAgnosticSampler', () => signAgnosticSampler(score, sde, run(1000))],
    ['daleLangevinSampler', () => daleLangevinSampler(score, sde, run(1000))],
    [
      'annealedSignAgnosticSampler (with Tweedie steps)',
      () =>
        annealedSignAgnosticSampler(score, sde, {
          ...run(500),
          steps: 500,
          innerSteps: 2,
          delta: 1e-3,
          annealFactor: 0.999,
          tweedieSteps: 5,
        }),
    ],
    [
      'annealedDaleLangevinSampler',
      () =>
        annealedDaleLangevinSampler(score, sde, { ...run(1000), delta: 1e-3, annealFactor: 0.995 }),
    ],
    ['predictorCorrectorSampler', () => predictorCorrectorSampler(score, sde, run(1000))],
    [
      'probabilityFlowSampler (Heun)',
      () => probabilityFlowSampler(score, sde, { ...run(1000), method: 'heun' }),
    ],
    [
      'probabilityFlowSampler (RK45)',
      () => probabilityFlowSampler(score, sde, { ...run(0), rtol: 1e-7, atol: 1e-7 }),
    ],
    [
      'eulerMaruyamaSampler (VP)',
      () => eulerMaruyamaSampler(fastGaussianScore(gaussianTarget(), vpSDE()), vpSDE(), run(1000)),
    ],
  ];
  const counts: number[] = [];
  function run(steps: number): SamplerOptions & { steps?: number } {
    return {
      shape: [16, 2],
      rng: Rng.fromSeed(1),
      ...(steps ? { steps } : {}),
      onStep: () => {
        counts.push(tf.memory().numTensors);
      },
    };
  }

  for (const [name, sample] of cases) {
    it(name, async () => {
      counts.length = 0;
      const before = tf.memory().numTensors;
      const x = await sample();
      expect(counts.length).toBeGreaterThanOrEqual(name.includes('RK45') ? 10 : 1000);
      // During the run the number of live tensors never changes (the chains hold one state;
      // RK45 also carries its FSAL stage).
      expect(Math.max(...counts)).toBe(Math.min(...counts));
      const held = name.includes('RK45') ? 2 : 1;
      expect(Math.min(...counts)).toBe(before + held);
      // Afterwards: only the result.
      expect(tf.memory().numTensors).toBe(before + 1);
      x.dispose();
    });
  }
});

describe('progress, snapshots and yielding', () => {
  it('onStep reports step, total, time and score evaluations of every update', async () => {
    const infos: StepInfo[] = [];
    const x = await predictorCorrectorSampler(score, sde, {
      shape: [4, 2],
      rng: Rng.fromSeed(2),
      times: [1, 0.6, 0.3, 0.1],
      correctorSteps: 2,
      onStep: (info) => {
        infos.push(info);
      },
    });
    x.dispose();
    expect(infos.map(({ step, total, t, nfe }) => [step, total, t, nfe])).toEqual([
      [1, 3, 0.6, 3],
      [2, 3, 0.3, 6],
      [3, 3, 0.1, 9],
    ]);
    expect(infos.every((info) => info.x === undefined)).toBe(true);
  });

  it('hands out snapshots every k steps and after the last one; the last equals the result', async () => {
    const { onStep, snapshots } = snapshotCollector();
    const x = await daleLangevinSampler(score, sde, {
      shape: [5, 2],
      rng: Rng.fromSeed(3),
      steps: 25,
      snapshotEvery: 10,
      onStep,
    });
    expect(snapshots.map((s) => s.step)).toEqual([10, 20, 25]);
    expect(snapshots[2]!.t).toBeCloseTo(1e-3, 12);
    expect(take(snapshots[2]!.x)).toEqual(take(x));
    expect(take(snapshots[0]!.x).every((v) => v > 0)).toBe(true);
    snapshots[1]!.x.dispose();
  });

  it('yields to the event loop so timers (progress bars) run while sampling', async () => {
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    const seen: boolean[] = [];
    const x = await signAgnosticSampler(score, sde, {
      shape: [4, 2],
      rng: Rng.fromSeed(4),
      steps: 3,
      yieldEveryMs: 0,
      onStep: () => {
        seen.push(timerRan);
      },
    });
    x.dispose();
    // The first update runs before any yield; the timer fires at the first yield after it.
    expect(seen).toEqual([false, true, true]);
  });
});

describe('runChain: an adaptive chain (span)', () => {
  // Each update halves the way left to `to`, and snaps to it once within 0.15.
  const halve = (t: number, to: number) => (t - to < 0.15 ? to : t - (t - to) / 2);

  it('runs until the updates reach span.to, reporting the times reached and their evaluations', async () => {
    const infos: [number, number | undefined, number, number][] = [];
    const seen: [number, number, number][] = [];
    const init = tf.zeros([3, 2]);
    const x = await runChain(
      score,
      sde,
      {
        init,
        rng: Rng.fromSeed(5),
        onStep: (info) => {
          infos.push([info.step, info.total, info.t, info.nfe]);
        },
      },
      {
        name: 'halving',
        span: { from: 1, to: 0.2 },
        step: (y, t, to, { index, step }) => {
          seen.push([t, to, step.delta]);
          return { x: tf.add(y, 1), reached: halve(t, to), evaluations: index + 1 };
        },
      },
    );
    expect(seen).toEqual([
      [1, 0.2, expect.closeTo(0.8, 12)],
      [0.6, 0.2, expect.closeTo(0.4, 12)],
      [expect.closeTo(0.4, 12), 0.2, expect.closeTo(0.2, 12)],
      [expect.closeTo(0.3, 12), 0.2, expect.closeTo(0.1, 12)],
    ]);
    expect(infos).toEqual([
      [1, undefined, 0.6, 1],
      [2, undefined, expect.closeTo(0.4, 12), 3],
      [3, undefined, expect.closeTo(0.3, 12), 6],
      [4, undefined, 0.2, 10],
    ]);
    expect(take(x)).toEqual(new Float64Array(6).fill(4));
    tf.dispose([x, init]);
  });

  it('rejects an update that does not say a time in [to, t), and a chain with both times and span', async () => {
    const before = tf.memory().numTensors;
    const chain = (definition: ChainDefinition & { readonly space?: 'ambient' }) =>
      runChain(score, sde, { shape: [2], rng: Rng.fromSeed(6) }, definition);
    const span = { from: 1, to: 0.2 };
    for (const reached of [undefined, 1, 0.1, Number.NaN]) {
      await expect(
        chain({ name: 'bad', span, step: (v) => ({ x: tf.add(v, 1), reached }) }),
      ).rejects.toThrow(
        /bad: an update of an adaptive chain must return the time it reached, in \[0.2, 1\)/,
      );
    }
    await expect(
      chain({ name: 'both', span, times: [1, 0.2], step: (v) => v }),
    ).rejects.toBeInstanceOf(DaleError);
    await expect(
      chain({ name: 'backwards', span: { from: 0.2, to: 1 }, step: (v) => v }),
    ).rejects.toThrow(/backwards: an adaptive chain's span needs finite times from > to/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

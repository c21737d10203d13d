import { DaleError, Rng } from '@dale/core';
import { gbm } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createUnet,
  disposeParams,
  flattenParams,
  listModelKinds,
  mapParams,
  modelFromConfig,
  parameterCount,
  scoreFnFromModel,
  UNET_PRESETS,
  UNET_SMALL,
  type UnetOptions,
  type UnetParams,
} from '../src/index.ts';
import { checkGradients, maxRelativeError, onCpu, take } from './helpers.ts';

beforeAll(onCpu);

/** A tiny U-Net (8×8×1, 4 and 8 channels, attention at 4×4) for gradient checks and training. */
const TINY: UnetOptions = {
  inputShape: [8, 8, 1],
  baseChannels: 4,
  channelMultipliers: [1, 2],
  resBlocksPerLevel: 1,
  attentionResolutions: [4],
  groups: 2,
  timeEmbedding: 8,
  dropout: 0,
};

/** Positive images exp(0.3 Z) of the given shape, from a fixed seed. */
function positiveImages(seed: number, shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const z = Rng.fromSeed(seed).fillNormal(new Float32Array(size), 0, 0.3);
  return tf.tensor(z.map(Math.exp), shape);
}

/**
 * The parameter count of `unet-small`, enumerated by hand from the architecture in DESIGN.md
 * (independently of the code's loops): every block and its channels in order.
 */
function unetSmallCount(): number {
  const conv = (k: number, i: number, o: number) => k * k * i * o + o;
  const dense = (i: number, o: number) => i * o + o;
  const norm = (c: number) => 2 * c;
  const E = 128;
  const res = (i: number, o: number) =>
    norm(i) + conv(3, i, o) + dense(E, o) + norm(o) + conv(3, o, o) + (i === o ? 0 : conv(1, i, o));
  const attention = (c: number) => norm(c) + 4 * dense(c, c);
  const time = 2 * dense(E, E);
  const input = conv(3, 1, 32);
  // Down: 28×28×32 (2 blocks, ↓), 14×14×64 (2 blocks, ↓), 7×7×64 (2 blocks, attention).
  // Skips stored: 32 (input conv), 32, 32, 32 (↓), 64, 64, 64 (↓), 64, 64.
  const down =
    res(32, 32) + res(32, 32) + conv(3, 32, 32) + res(32, 64) + res(64, 64) + conv(3, 64, 64);
  const bottom = res(64, 64) + res(64, 64) + attention(64);
  const middle = res(64, 64) + attention(64) + res(64, 64);
  // Up, 3 blocks per level, each concatenating a popped skip: 7×7 pops 64, 64, 64; 14×14 pops
  // 64, 64, 32; 28×28 pops 32, 32, 32.
  const up7 = 3 * res(128, 64) + attention(64) + conv(3, 64, 64);
  const up14 = res(128, 64) + res(128, 64) + res(96, 64) + conv(3, 64, 64);
  const up28 = res(96, 32) + res(64, 32) + res(64, 32);
  const output = norm(32) + conv(3, 32, 1);
  return time + input + down + bottom + middle + up7 + up14 + up28 + output;
}

describe('U-Net', () => {
  it('unet-small maps [B, 28, 28, 1] to the same shape and has the hand-counted 1 585 153 parameters', () => {
    const model = createUnet(UNET_SMALL, Rng.fromSeed(0));
    expect(UNET_PRESETS['unet-small']).toBe(UNET_SMALL);
    expect(model.config).toEqual({ ...UNET_SMALL });
    expect(parameterCount(model.params)).toBe(unetSmallCount());
    expect(parameterCount(model.params)).toBe(1_585_153); // the number stated in README.md
    const x = positiveImages(1, [2, 28, 28, 1]);
    const before = tf.memory().numTensors;
    const y = model.apply(model.params, x, [0.3, 0.7]);
    expect(tf.memory().numTensors).toBe(before + 1); // only the output survives
    expect(y.shape).toEqual([2, 28, 28, 1]);
    expect(take(y).every(Number.isFinite)).toBe(true);
    x.dispose();
    disposeParams(model.params);
  });

  it('maps [B, 32, 32, 3] to the same shape (attention at 8×8)', () => {
    const model = createUnet(
      { inputShape: [32, 32, 3], baseChannels: 8, attentionResolutions: [8], groups: 4 },
      Rng.fromSeed(0),
    );
    expect(model.params.down[2]!.attention).toBeDefined();
    expect(model.params.down[1]!.attention).toBeUndefined();
    const x = positiveImages(2, [1, 32, 32, 3]);
    const y = model.apply(model.params, x, 0.5);
    expect(y.shape).toEqual([1, 32, 32, 3]);
    tf.dispose([x, y]);
    disposeParams(model.params);
  });

  it('is determined by the seed, registered as kind "unet", and rebuilt identically from its config', () => {
    expect(listModelKinds()).toContain('unet');
    const a = createUnet(TINY, Rng.fromSeed(5));
    const b = modelFromConfig(JSON.parse(JSON.stringify(a.config)), Rng.fromSeed(5));
    const c = createUnet(TINY, Rng.fromSeed(6));
    const names = flattenParams(a.params).map(([n]) => n);
    expect(flattenParams(b.params).map(([n]) => n)).toEqual(names);
    const x = positiveImages(3, [2, 8, 8, 1]);
    const ya = take(a.apply(a.params, x, 0.4));
    expect(take(b.apply(b.params, x, 0.4))).toEqual(ya);
    expect(maxRelativeError(take(c.apply(c.params, x, 0.4)), ya, 1e-6)).toBeGreaterThan(1e-3);
    x.dispose();
    for (const m of [a, b, c]) disposeParams(m.params);
  });

  it('depends on t through the time embedding, and on the dropout rng only when given one', () => {
    const model = createUnet({ ...TINY, dropout: 0.3 }, Rng.fromSeed(1));
    const x = positiveImages(4, [1, 8, 8, 1]);
    const early = take(model.apply(model.params, x, 0.1));
    const late = take(model.apply(model.params, x, 0.9));
    expect(maxRelativeError(early, late, 1e-6)).toBeGreaterThan(1e-2);
    expect(take(model.apply(model.params, x, 0.1))).toEqual(early); // evaluation: no dropout
    const train = take(model.apply(model.params, x, 0.1, { rng: Rng.fromSeed(2) }));
    expect(maxRelativeError(train, early, 1e-6)).toBeGreaterThan(1e-3);
    x.dispose();
    disposeParams(model.params);
  });

  it('has autodiff gradients equal to finite differences for parameters in every stage', () => {
    const model = createUnet(TINY, Rng.fromSeed(7));
    const checkedNames = [
      'time.0.weight',
      'input.kernel',
      'down.0.blocks.0.conv1.kernel',
      'down.1.attention.attention.query.weight',
      'middle.first.time.weight',
      'up.0.blocks.1.skip.kernel',
      'up.1.resample.kernel',
      'outputNorm.scale',
      'output.kernel',
    ];
    const all = new Map(flattenParams(model.params));
    const x = positiveImages(8, [2, 8, 8, 1]);
    const probe = tf.tensor(Rng.fromSeed(9).fillNormal(new Float32Array(128)), [2, 8, 8, 1]);
    const { checked } = checkGradients(
      (...leaves) => {
        const chosen = new Map(checkedNames.map((name, i) => [name, leaves[i]!]));
        const params = mapParams(model.params, (leaf, name) => chosen.get(name) ?? leaf);
        return tf.sum(tf.mul(model.apply(params as unknown as UnetParams, x, [0.2, 0.6]), probe));
      },
      checkedNames.map((name) => all.get(name)!),
      { maxPerInput: 4 },
    );
    expect(checked).toBe(4 * checkedNames.length);
    tf.dispose([x, probe]);
    disposeParams(model.params);
  });

  it('Adam steps on a fixed batch reduce the ε-prediction (M-DSM) loss, without leaking tensors', () => {
    const model = createUnet(TINY, Rng.fromSeed(3));
    const sde = gbm();
    const x0 = positiveImages(10, [4, 8, 8, 1]);
    const t = [0.2, 0.4, 0.6, 0.8];
    const { xt, noise } = sde.sampleMarginal(x0, t, Rng.fromSeed(11));
    const loss = (): tf.Scalar =>
      tf.mean(tf.square(tf.sub(model.apply(model.params, xt, t), noise!)));
    const weights = flattenParams(model.params).map(([, v]) => v);
    const optimizer = tf.train.adam(1e-2);
    const initial = take(loss());
    optimizer.minimize(loss, false, weights); // Adam creates its slots on the first step
    const tensors = tf.memory().numTensors;
    for (let step = 1; step < 12; step++) optimizer.minimize(loss, false, weights);
    expect(tf.memory().numTensors).toBe(tensors);
    const final = take(loss());
    // The initial output is small (output conv at Glorot × 0.1), so the loss starts near E[Z²] = 1.
    expect(initial[0]).toBeGreaterThan(0.7);
    expect(final[0]).toBeLessThan(0.8 * initial[0]!);
    // The adapter turns the U-Net's ε̂ into the Hyvärinen score of GBM.
    const score = scoreFnFromModel(model, sde)(xt, t);
    expect(score.shape).toEqual(xt.shape);
    tf.dispose([x0, xt, noise!, score]);
    optimizer.dispose();
    disposeParams(model.params);
  });

  it('rejects configs that cannot work, naming the field', () => {
    const bad = (patch: object) => () =>
      createUnet({ ...TINY, ...patch } as UnetOptions, Rng.fromSeed(0));
    expect(bad({ inputShape: [7, 8, 1] })).toThrow(/divisible by 2/);
    expect(bad({ groups: 3 })).toThrow(/groups \(3\) must divide every channel count/);
    expect(bad({ dropout: 1 })).toThrow(/dropout must be in \[0, 1\), got 1/);
    expect(bad({ timeEmbedding: 7 })).toThrow(/timeEmbedding must be even/);
    expect(bad({ channelMultipliers: [] })).toThrow(/channelMultipliers must be a non-empty array/);
    expect(bad({ heads: 2 })).toThrow(/unknown field "heads"/);
    expect(bad({ inputShape: [8, 8] })).toThrow(DaleError);
    const model = createUnet(TINY, Rng.fromSeed(0));
    const x = tf.ones([1, 8, 8, 2]);
    expect(() => model.apply(model.params, x, 0.5)).toThrow(
      /input must have shape \[batch, 8, 8, 1\], got \[1, 8, 8, 2\]/,
    );
    x.dispose();
    disposeParams(model.params);
  });
});

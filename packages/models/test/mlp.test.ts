import { DaleError, Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createMlp,
  disposeParams,
  flattenParams,
  listModelKinds,
  type MlpConfig,
  type MlpModel,
  mlpFromConfig,
  modelFromConfig,
  parameterCount,
  registerModelKind,
} from '../src/index.ts';
import { checkGradients, maxRelativeError, normalTensor, onCpu, take, values } from './helpers.ts';

beforeAll(onCpu);

/**
 * A second implementation of the MLP in float64 JavaScript, from the flattened weights:
 * e = [sin(s fᵢ), cos(s fᵢ)], τ = silu(e W_t + b_t), h₀ = log x (or x),
 * hᵢ = silu([hᵢ₋₁, τ] Wᵢ + bᵢ), out = c·(h_L W_o + b_o).
 */
function reference(model: MlpModel, x: number[][], t: number[]): number[][] {
  const c = model.config;
  const w = new Map(
    flattenParams(model.params).map(([name, v]) => [name, { v: values(v), shape: v.shape }]),
  );
  const affine = (name: string, input: number[]) => {
    const W = w.get(`${name}.weight`)!;
    const b = w.get(`${name}.bias`)!.v;
    const [n, m] = W.shape as [number, number];
    expect(input.length).toBe(n);
    return Array.from({ length: m }, (_, j) => {
      let s = b[j]!;
      for (let k = 0; k < n; k++) s += input[k]! * W.v[k * m + j]!;
      return s;
    });
  };
  const silu = (v: number) => v / (1 + Math.exp(-v));
  return x.map((row, b) => {
    const half = c.timeEmbedding / 2;
    const angles = Array.from(
      { length: half },
      (_, i) => c.timeScale * t[b]! * Math.exp((-i * Math.log(c.maxPeriod)) / half),
    );
    const tau = affine('time.0', [...angles.map(Math.sin), ...angles.map(Math.cos)]).map(silu);
    let h = c.inputTransform === 'log' ? row.map(Math.log) : row;
    c.hidden.forEach((_, i) => {
      h = affine(`layers.${i}`, [...h, ...tau]).map(silu);
    });
    return affine('output', h).map((v) => c.outputScale * v);
  });
}

function positiveBatch(seed: number, batch: number, dim: number): number[][] {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: batch }, () =>
    Array.from({ length: dim }, () => Math.exp(0.2 + 0.7 * rng.normal())),
  );
}

describe('MLP score network', () => {
  it('computes the documented network (checked against a float64 reimplementation)', () => {
    for (const [inputTransform, outputScale] of [
      ['log', 1],
      ['identity', 0.5],
    ] as const) {
      const model = createMlp(
        { inputDim: 3, hidden: [16, 8], timeEmbedding: 8, inputTransform, outputScale },
        Rng.fromSeed(11),
      );
      const x = positiveBatch(1, 5, 3);
      const t = [0.01, 0.2, 0.5, 0.77, 1];
      const out = model.apply(model.params, tf.tensor(x), t);
      expect(out.shape).toEqual([5, 3]);
      expect(maxRelativeError(take(out), reference(model, x, t).flat())).toBeLessThan(1e-5);
      // A shared time equals the same time repeated per element.
      const xs = tf.tensor(x);
      const shared = take(model.apply(model.params, xs, 0.3));
      expect(maxRelativeError(shared, reference(model, x, Array(5).fill(0.3)).flat())).toBeLessThan(
        1e-5,
      );
      xs.dispose();
      disposeParams(model.params);
    }
  });

  it('has autodiff gradients (input and every weight) equal to central finite differences', () => {
    const model = createMlp({ inputDim: 2, hidden: [8, 8], timeEmbedding: 8 }, Rng.fromSeed(5));
    const x = tf.tensor(positiveBatch(2, 4, 2));
    const t = [0.1, 0.4, 0.6, 0.9];
    const probe = normalTensor(3, [4, 2]);
    const names = flattenParams(model.params).map(([name]) => name);
    // Rebuild the tree from the leaves being differentiated (apply accepts any tensors).
    const loss = (input: tf.Tensor, ...leaves: tf.Tensor[]) => {
      const p = {
        time: [{ weight: leaves[0]!, bias: leaves[1]! }],
        layers: [
          { weight: leaves[2]!, bias: leaves[3]! },
          { weight: leaves[4]!, bias: leaves[5]! },
        ],
        output: { weight: leaves[6]!, bias: leaves[7]! },
      };
      return tf.sum(tf.mul(model.apply(p, input, t), probe)) as tf.Scalar;
    };
    expect(names).toEqual([
      'time.0.weight',
      'time.0.bias',
      'layers.0.weight',
      'layers.0.bias',
      'layers.1.weight',
      'layers.1.bias',
      'output.weight',
      'output.bias',
    ]);
    // Non-zero biases, so that their gradients are tested away from the initial point.
    for (const [name, v] of flattenParams(model.params)) {
      if (name.endsWith('bias')) v.assign(normalTensor(name.length, v.shape, 0, 0.3));
    }
    const leaves = flattenParams(model.params).map(([, v]) => v);
    const { checked } = checkGradients(loss, [x, ...leaves], { maxPerInput: 12 });
    expect(checked).toBe(8 + leaves.reduce((n, v) => n + Math.min(v.size, 12), 0));
    tf.dispose([x, probe]);
    disposeParams(model.params);
  });

  it('is deterministic: the same seed gives identical weights, another seed different ones', () => {
    const config = { inputDim: 2, hidden: [16, 16], timeEmbedding: 8 };
    const a = createMlp(config, Rng.fromSeed(42));
    const b = createMlp(config, Rng.fromSeed(42));
    const c = createMlp(config, Rng.fromSeed(43));
    const flat = (m: MlpModel) =>
      flattenParams(m.params).map(([n, v]) => [n, Array.from(v.dataSync())]);
    expect(flat(a)).toEqual(flat(b));
    const fa = flat(a);
    const fc = flat(c);
    fa.forEach(([name, v], i) => {
      if (!String(name).endsWith('bias')) expect(v).not.toEqual(fc[i]![1]);
    });
    for (const m of [a, b, c]) disposeParams(m.params);
  });

  it('has (d + E)h₁ + h₁ + Σ (hᵢ₋₁ + E)hᵢ + hᵢ + E² + E + h_L d + d parameters', () => {
    const d = 3;
    const E = 16;
    const hidden = [32, 24, 8];
    const model = createMlp({ inputDim: d, hidden, timeEmbedding: E }, Rng.fromSeed(0));
    const widths = [d, ...hidden];
    let expected = E * E + E + hidden.at(-1)! * d + d;
    hidden.forEach((h, i) => {
      expected += (widths[i]! + E) * h + h;
    });
    expect(expected).toBe(272 + (19 * 32 + 32) + (48 * 24 + 24) + (40 * 8 + 8) + 27);
    expect(parameterCount(model.params)).toBe(expected);
    disposeParams(model.params);
  });

  it('fills in defaults, and its config survives a JSON round trip (same seed → same network)', () => {
    const model = createMlp({ inputDim: 2, hidden: undefined }, Rng.fromSeed(7));
    expect(model.config).toEqual({
      kind: 'mlp',
      inputDim: 2,
      hidden: [128, 128],
      timeEmbedding: 64,
      maxPeriod: 10_000,
      timeScale: 1000,
      activation: 'silu',
      predicts: 'noise',
      inputTransform: 'log',
      outputScale: 1,
    });
    expect(model.predicts).toBe('noise');
    const json = JSON.parse(JSON.stringify(model.config)) as MlpConfig;
    const rebuilt = mlpFromConfig(json, Rng.fromSeed(7));
    const viaRegistry = modelFromConfig(json, Rng.fromSeed(7));
    const x = tf.tensor(positiveBatch(4, 3, 2));
    const out = take(model.apply(model.params, x, 0.5));
    expect(take(rebuilt.apply(rebuilt.params, x, 0.5))).toEqual(out);
    expect(take(viaRegistry.apply(viaRegistry.params, x, 0.5))).toEqual(out);
    x.dispose();
    for (const m of [model, rebuilt, viaRegistry]) disposeParams(m.params);
  });

  it('leaks no tensors over repeated apply calls', () => {
    const model = createMlp({ inputDim: 2, hidden: [8, 8], timeEmbedding: 8 }, Rng.fromSeed(1));
    const x = tf.tensor(positiveBatch(5, 16, 2));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) model.apply(model.params, x, i / 20).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    disposeParams(model.params);
    expect(tf.memory().numTensors).toBe(before - 1 - 8);
  });

  it('rejects bad configs and inputs with a DaleError naming the field', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ inputDim: 0 }, /inputDim must be an integer ≥ 1, got 0/],
      [{ inputDim: 2.5 }, /inputDim must be an integer ≥ 1, got 2.5/],
      [{ inputDim: 2, hidden: [] }, /hidden must be a non-empty array of integers, got \[\]/],
      [{ inputDim: 2, hidden: [8, -1] }, /hidden\[1\] must be an integer ≥ 1, got -1/],
      [{ inputDim: 2, timeEmbedding: 7 }, /timeEmbedding must be even .* got 7/],
      [{ inputDim: 2, timeEmbedding: 0 }, /timeEmbedding must be an integer ≥ 2, got 0/],
      [{ inputDim: 2, activation: 'relu' }, /activation must be one of 'silu', got "relu"/],
      [
        { inputDim: 2, predicts: 'score' },
        /predicts must be one of 'hyvarinen', 'stein', 'noise', got "score"/,
      ],
      [{ inputDim: 2, inputTransform: 'sqrt' }, /inputTransform must be one of 'log', 'identity'/],
      [{ inputDim: 2, outputScale: Number.NaN }, /outputScale must be a finite number, got NaN/],
      [{ inputDim: 2, timeScale: -1 }, /timeScale must be a finite number > 0, got -1/],
      [{ inputDim: 2, maxPeriod: 1 }, /maxPeriod must be a finite number > 1, got 1/],
      [{ inputDim: 2, hiden: [8] }, /unknown field "hiden"/],
      [{ inputDim: 2, kind: 'unet' }, /kind must be one of 'mlp', got "unet"/],
    ];
    for (const [config, message] of cases) {
      let error: unknown;
      try {
        createMlp(config as never, Rng.fromSeed(0));
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(config)).toBeInstanceOf(DaleError);
      expect((error as DaleError).code).toBe('invalid-model-config');
      expect((error as Error).message).toMatch(/^MLP config: /);
      expect((error as Error).message).toMatch(message);
    }
    expect(() => modelFromConfig({ kind: 'resnet', predicts: 'noise' }, Rng.fromSeed(0))).toThrow(
      /kind must be one of mlp, unet, got "resnet"/,
    );
    const model = createMlp({ inputDim: 2, hidden: [4], timeEmbedding: 4 }, Rng.fromSeed(0));
    const x = tf.ones([3, 5]);
    expect(() => model.apply(model.params, x, 0.5)).toThrow(
      /input must have shape \[batch, 2\], got \[3, 5\]/,
    );
    const y = tf.ones([3, 2]);
    expect(() => model.apply(model.params, y, [0.1, 0.2])).toThrow(/got 2 times for a batch of 3/);
    tf.dispose([x, y]);
    disposeParams(model.params);
  });

  it('lets other kinds register (the U-Net will), and unregisters them', () => {
    const unregister = registerModelKind('toy', (config, rng) =>
      createMlp({ inputDim: 1, hidden: [2], timeEmbedding: 2, predicts: config.predicts }, rng),
    );
    expect(listModelKinds()).toContain('toy');
    const m = modelFromConfig({ kind: 'toy', predicts: 'stein' }, Rng.fromSeed(0));
    expect(m.predicts).toBe('stein');
    disposeParams(m.params);
    unregister();
    expect(listModelKinds()).not.toContain('toy');
  });
});

describe('training sanity', () => {
  it('Adam fits a smooth regression: the loss falls by more than 100× in 100 steps', () => {
    const rng = Rng.fromSeed(2024);
    const model = createMlp(
      { inputDim: 2, hidden: [32, 32], timeEmbedding: 16, predicts: 'hyvarinen' },
      rng.split('init'),
    );
    const batch = 64;
    const data = rng.split('data');
    const x = Array.from({ length: batch }, () => [
      Math.exp(0.5 * data.normal()),
      Math.exp(0.5 * data.normal()),
    ]);
    const t = Array.from({ length: batch }, () => data.uniform());
    // Target: a smooth function of (log x, t), the kind of map a score network learns.
    const y = x.map(([a, b], i) => [
      Math.log(a!) * (1 - t[i]!) + 0.5,
      Math.log(b!) - t[i]! * Math.log(a!),
    ]);
    const xs = tf.tensor(x);
    const ys = tf.tensor(y);
    const varList = flattenParams(model.params).map(([, v]) => v);
    const optimizer = tf.train.adam(1e-2);
    const loss = () =>
      tf.mean(tf.square(tf.sub(model.apply(model.params, xs, t), ys))) as tf.Scalar;
    const losses: number[] = [];
    const before = tf.memory().numTensors;
    for (let step = 0; step < 100; step++) {
      const value = optimizer.minimize(loss, true, varList)!;
      losses.push(take(value)[0]!);
    }
    const afterTraining = tf.memory().numTensors;
    const first = losses[0]!;
    const last = losses.at(-1)!;
    // Seen on the cpu backend: 0.371 → 6.1e-4 (≈ 600×), so 100× leaves a wide margin.
    expect(last).toBeLessThan(first / 100);
    // Deterministic with the seed: the first loss is a pure function of seed and data.
    const again = createMlp(model.config, Rng.fromSeed(2024).split('init'));
    const firstAgain = take(
      tf.tidy(() => tf.mean(tf.square(tf.sub(again.apply(again.params, xs, t), ys)))),
    )[0];
    expect(firstAgain).toBe(first);
    disposeParams(again.params);
    // Adam's slots are allocated on the first step only; the loop itself does not grow memory.
    const slots = 2 * varList.length;
    expect(afterTraining - before).toBe(slots);
    optimizer.dispose();
    tf.dispose([xs, ys]);
    disposeParams(model.params);
  });
});

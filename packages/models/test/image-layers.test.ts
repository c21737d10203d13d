import { DaleError, Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  attentionBlock,
  conv2d,
  downsample,
  dropout,
  groupNorm,
  initAttentionBlock,
  initConv2d,
  initGroupNorm,
  initResBlock,
  initSelfAttention,
  resBlock,
  selfAttention,
  upsample,
  upsampleNearest,
} from '../src/index.ts';
import { checkGradients, maxRelativeError, normalTensor, onCpu, take, values } from './helpers.ts';

beforeAll(onCpu);

/** NHWC index. */
const at = (shape: readonly number[], b: number, i: number, j: number, c: number) =>
  ((b * shape[1]! + i) * shape[2]! + j) * shape[3]! + c;

/**
 * Float64 reference convolution written from the definition: zero padding p = (k − 1)/2 on every
 * side, out[b, i, j, o] = bias[o] + Σ x[b, s·i + di − p, s·j + dj − p, c] K[di, dj, c, o].
 */
function referenceConv(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor, stride: number) {
  const X = values(x);
  const K = values(kernel);
  const Bv = values(bias);
  const [B, H, W, C] = x.shape as number[];
  const [k, , , O] = kernel.shape as number[];
  const p = (k! - 1) / 2;
  const Ho = Math.ceil(H! / stride);
  const Wo = Math.ceil(W! / stride);
  const out = new Float64Array(B! * Ho * Wo * O!);
  for (let b = 0; b < B!; b++)
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Wo; j++)
        for (let o = 0; o < O!; o++) {
          let s = Bv[o]!;
          for (let di = 0; di < k!; di++)
            for (let dj = 0; dj < k!; dj++) {
              const y = stride * i + di - p;
              const z = stride * j + dj - p;
              if (y < 0 || y >= H! || z < 0 || z >= W!) continue;
              for (let c = 0; c < C!; c++)
                s += X[at(x.shape, b, y, z, c)]! * K[((di * k! + dj) * C! + c) * O! + o]!;
            }
          out[at([B!, Ho, Wo, O!], b, i, j, o)] = s;
        }
  return { out, shape: [B, Ho, Wo, O] };
}

describe('conv2d', () => {
  it('matches the definition with symmetric zero padding, at stride 1 and 2, odd and even sizes', () => {
    for (const [size, stride, h, w] of [
      [3, 1, 5, 6],
      [3, 2, 6, 6],
      [3, 2, 7, 5],
      [1, 1, 4, 3],
    ] as const) {
      const params = initConv2d(Rng.fromSeed(size * 10 + stride), size, 3, 4);
      params.bias.assign(normalTensor(1, [4]));
      const x = normalTensor(2, [2, h, w, 3]);
      const y = conv2d(params, x, { stride });
      const ref = referenceConv(x, params.kernel, params.bias, stride);
      expect(y.shape).toEqual(ref.shape);
      expect(maxRelativeError(take(y), ref.out)).toBeLessThan(1e-5);
      tf.dispose([x, params.kernel, params.bias]);
    }
  });

  it('has autodiff gradients in kernel, bias and input equal to finite differences (stride 2)', () => {
    const params = initConv2d(Rng.fromSeed(3), 3, 2, 3);
    const x = normalTensor(4, [1, 6, 5, 2]);
    const probe = normalTensor(5, [1, 3, 3, 3]);
    const bias = normalTensor(6, [3]);
    const { checked } = checkGradients(
      (K, b, input) =>
        tf.sum(tf.mul(conv2d({ kernel: K!, bias: b! }, input!, { stride: 2 }), probe)),
      [params.kernel, bias, x],
      { maxPerInput: 20 },
    );
    expect(checked).toBe(20 + 3 + 20);
    tf.dispose([params.kernel, params.bias, x, probe, bias]);
  });

  it('draws Glorot or He kernels with fans k²·cᵢₙ, k²·cₒᵤₜ, and rejects even sizes and bad inputs', () => {
    const glorot = take(initConv2d(Rng.fromSeed(1), 3, 4, 6).kernel);
    const a = Math.sqrt(6 / (9 * 4 + 9 * 6));
    expect(Math.max(...glorot.map(Math.abs))).toBeLessThanOrEqual(a);
    expect(Math.max(...glorot.map(Math.abs))).toBeGreaterThan(0.95 * a);
    const he = take(initConv2d(Rng.fromSeed(1), 3, 4, 6, { init: 'he-uniform' }).kernel);
    const aHe = Math.sqrt(6 / 36);
    expect(Math.max(...he.map(Math.abs))).toBeGreaterThan(0.95 * aHe);
    expect(Math.max(...he.map(Math.abs))).toBeLessThanOrEqual(aHe);
    expect(() => initConv2d(Rng.fromSeed(1), 2, 1, 1)).toThrow(/odd integer ≥ 1, got 2/);
    const p = initConv2d(Rng.fromSeed(1), 3, 2, 2);
    const x = tf.zeros([1, 4, 4, 3]);
    expect(() => conv2d(p, x)).toThrow(DaleError);
    expect(() => conv2d(p, x)).toThrow(/\[batch, height, width, 2\], got \[1, 4, 4, 3\]/);
    tf.dispose([x, p.kernel, p.bias]);
  });
});

/** Float64 group norm from the definition (biased variance over H·W·C/G values). */
function referenceGroupNorm(x: tf.Tensor, groups: number, gamma?: number[], beta?: number[]) {
  const X = values(x);
  const [B, H, W, C] = x.shape as number[];
  const size = C! / groups;
  const out = new Float64Array(X.length);
  for (let b = 0; b < B!; b++)
    for (let g = 0; g < groups; g++) {
      const idx: number[] = [];
      for (let i = 0; i < H!; i++)
        for (let j = 0; j < W!; j++)
          for (let c = g * size; c < (g + 1) * size; c++) idx.push(at(x.shape, b, i, j, c));
      const mean = idx.reduce((s, k) => s + X[k]!, 0) / idx.length;
      const variance = idx.reduce((s, k) => s + (X[k]! - mean) ** 2, 0) / idx.length;
      for (const k of idx) {
        const c = k % C!;
        out[k] =
          ((X[k]! - mean) / Math.sqrt(variance + 1e-5)) * (gamma?.[c] ?? 1) + (beta?.[c] ?? 0);
      }
    }
  return out;
}

describe('groupNorm', () => {
  it('normalises each (batch, group) over H·W·C/G values, then applies γ, β per channel', () => {
    const x = normalTensor(1, [2, 3, 4, 6], 0.5, 2);
    const params = initGroupNorm(6);
    const gamma = [0.5, 1, 1.5, 2, -1, 0.3];
    const beta = [0, 0.1, -0.2, 0.3, 0, 1];
    params.scale.assign(tf.tensor(gamma));
    params.offset.assign(tf.tensor(beta));
    for (const groups of [1, 2, 3, 6]) {
      const y = take(groupNorm(params, x, { groups }));
      expect(maxRelativeError(y, referenceGroupNorm(x, groups, gamma, beta))).toBeLessThan(1e-5);
      const plain = take(groupNorm(undefined, x, { groups }));
      expect(maxRelativeError(plain, referenceGroupNorm(x, groups))).toBeLessThan(1e-5);
    }
    expect(() => groupNorm(params, x, { groups: 4 })).toThrow(/dividing the 6 channels, got 4/);
    tf.dispose([x, params.scale, params.offset]);
  });

  it('has autodiff gradients in γ, β and x equal to finite differences', () => {
    const x = normalTensor(2, [2, 3, 3, 4]);
    const probe = normalTensor(3, [2, 3, 3, 4]);
    const gamma = normalTensor(4, [4], 1, 0.3);
    const beta = normalTensor(5, [4]);
    const { checked } = checkGradients(
      (g, b, input) =>
        tf.sum(tf.mul(groupNorm({ scale: g!, offset: b! }, input!, { groups: 2 }), probe)),
      [gamma, beta, x],
      { maxPerInput: 30 },
    );
    expect(checked).toBe(4 + 4 + 30);
    tf.dispose([x, probe, gamma, beta]);
  });

  it("with activation 'silu' is SiLU of the group norm, by the fused kernel on cpu", async () => {
    const x = normalTensor(6, [2, 4, 3, 6], 0.5, 2);
    const gamma = [0.5, 1, 1.5, 2, -1, 0.3];
    const beta = [0, 0.1, -0.2, 0.3, 0, 1];
    const params = { scale: tf.tensor(gamma), offset: tf.tensor(beta) };
    const expected = Array.from(
      referenceGroupNorm(x, 3, gamma, beta),
      (z) => z / (1 + Math.exp(-z)),
    );
    const profile = await tf.profile(() => groupNorm(params, x, { groups: 3, activation: 'silu' }));
    expect(profile.kernelNames).toEqual(['DaleGroupNorm']);
    const result = take(profile.result as tf.Tensor);
    expect(maxRelativeError(result, expected)).toBeLessThan(1e-5);
    expect(() => groupNorm(params, x, { groups: 3, activation: 'relu' as never })).toThrow(
      /activation must be 'none' or 'silu', got "relu"/,
    );
    tf.dispose([x, params.scale, params.offset]);
  });

  it("with activation 'silu' has gradients equal to finite differences", () => {
    const x = normalTensor(7, [2, 3, 3, 4]);
    const probe = normalTensor(8, [2, 3, 3, 4]);
    const gamma = normalTensor(9, [4], 1, 0.3);
    const beta = normalTensor(10, [4]);
    const f = (g?: tf.Tensor, b?: tf.Tensor, input?: tf.Tensor) =>
      tf.sum(
        tf.mul(
          groupNorm({ scale: g!, offset: b! }, input!, { groups: 2, activation: 'silu' }),
          probe,
        ),
      ) as tf.Scalar;
    expect(checkGradients(f, [gamma, beta, x], { maxPerInput: 30 }).checked).toBe(4 + 4 + 30);
    tf.dispose([x, probe, gamma, beta]);
  });

  it('has correct gradients of gradients (composite ops there, the fused kernel is first-order)', () => {
    const x = normalTensor(11, [1, 3, 3, 4]);
    const gamma = normalTensor(12, [4], 1, 0.3);
    const beta = normalTensor(13, [4]);
    // h(γ, β) = ‖∂/∂x Σ SiLU(GroupNorm(x))²‖²: differentiating it differentiates a gradient.
    const h = (g?: tf.Tensor, b?: tf.Tensor) =>
      tf.tidy(() => {
        const inner = tf.grad((input: tf.Tensor) =>
          tf.sum(
            tf.square(
              groupNorm({ scale: g!, offset: b! }, input, { groups: 2, activation: 'silu' }),
            ),
          ),
        )(x);
        return tf.sum(tf.square(inner)) as tf.Scalar;
      });
    expect(checkGradients(h, [gamma, beta]).checked).toBe(8);
    tf.dispose([x, gamma, beta]);
  });
});

/** Float64 single-head attention from the definition. */
function referenceAttention(x: tf.Tensor, p: ReturnType<typeof initSelfAttention>) {
  const [B, H, W, C] = x.shape as number[];
  const N = H! * W!;
  const X = values(x);
  const proj = (d: { weight: tf.Tensor; bias: tf.Tensor }, rows: number[][]) => {
    const Wm = values(d.weight);
    const b = values(d.bias);
    return rows.map((r) =>
      Array.from({ length: C! }, (_, o) => r.reduce((s, v, c) => s + v * Wm[c * C! + o]!, b[o]!)),
    );
  };
  const out: number[] = [];
  for (let bi = 0; bi < B!; bi++) {
    const rows = Array.from({ length: N }, (_, n) =>
      Array.from(X.subarray((bi * N + n) * C!, (bi * N + n + 1) * C!)),
    );
    const q = proj(p.query, rows);
    const k = proj(p.key, rows);
    const v = proj(p.value, rows);
    const mixed = q.map((qi) => {
      const logits = k.map((kj) => qi.reduce((s, a, c) => s + a * kj[c]!, 0) / Math.sqrt(C!));
      const m = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - m));
      const z = e.reduce((a, b) => a + b, 0);
      return Array.from({ length: C! }, (_, c) =>
        e.reduce((s, w, j) => s + (w / z) * v[j]![c]!, 0),
      );
    });
    out.push(...proj(p.output, mixed).flat());
  }
  return out;
}

describe('self-attention', () => {
  it('is softmax(q kᵀ/√C) v over the H·W positions, then the output projection', () => {
    const p = initSelfAttention(Rng.fromSeed(7), 4);
    const x = normalTensor(8, [2, 2, 3, 4]);
    const y = selfAttention(p, x);
    expect(y.shape).toEqual([2, 2, 3, 4]);
    expect(maxRelativeError(take(y), referenceAttention(x, p))).toBeLessThan(1e-5);
    // The block adds the input back to the attention of the group-normalised input.
    const block = initAttentionBlock(Rng.fromSeed(7), 4);
    const expected = tf.tidy(() =>
      tf.add(x, selfAttention(block.attention, groupNorm(undefined, x, { groups: 2 }))),
    );
    expect(maxRelativeError(take(attentionBlock(block, x, 2)), take(expected))).toBeLessThan(1e-6);
    tf.dispose(x);
  });

  it('has autodiff gradients in every projection and the input equal to finite differences', () => {
    const p = initSelfAttention(Rng.fromSeed(9), 3);
    const x = normalTensor(10, [2, 2, 2, 3]);
    const probe = normalTensor(11, [2, 2, 2, 3]);
    const { checked } = checkGradients(
      (wq, wk, wv, wo, bq, input) =>
        tf.sum(
          tf.mul(
            selfAttention(
              {
                query: { weight: wq!, bias: bq! },
                key: { weight: wk!, bias: p.key.bias },
                value: { weight: wv!, bias: p.value.bias },
                output: { weight: wo!, bias: p.output.bias },
              },
              input!,
            ),
            probe,
          ),
        ),
      [p.query.weight, p.key.weight, p.value.weight, p.output.weight, normalTensor(12, [3]), x],
      { maxPerInput: 12 },
    );
    // (The key bias is not checked: q·b_k is the same for every key, so softmax ignores it.)
    expect(checked).toBe(9 * 4 + 3 + 12);
    tf.dispose(x);
  });
});

describe('resampling and dropout', () => {
  it('upsampleNearest copies each pixel to a 2×2 block; upsample/downsample change the size', () => {
    const x = normalTensor(1, [2, 3, 2, 3]);
    const y = values(upsampleNearest(x));
    const X = values(x);
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 6; i++)
        for (let j = 0; j < 4; j++)
          for (let c = 0; c < 3; c++)
            expect(y[at([2, 6, 4, 3], b, i, j, c)]).toBe(
              X[at([2, 3, 2, 3], b, Math.floor(i / 2), Math.floor(j / 2), c)],
            );
    const conv = initConv2d(Rng.fromSeed(2), 3, 3, 3);
    const up = upsample(conv, x);
    const viaConv = tf.tidy(() => conv2d(conv, upsampleNearest(x)));
    expect(Array.from(take(up))).toEqual(Array.from(take(viaConv)));
    const down = downsample(conv, normalTensor(3, [1, 7, 6, 3]));
    expect(down.shape).toEqual([1, 4, 3, 3]);
    const g = take(tf.grad((v: tf.Tensor) => tf.sum(upsampleNearest(v)))(x));
    expect(g.every((v) => v === 4)).toBe(true); // each input pixel feeds 4 outputs
    tf.dispose([x, down]);
  });

  it('dropout is the identity without an rng, and with one zeroes ≈ rate and rescales survivors', () => {
    const x = tf.ones([100, 100]);
    expect(Array.from(take(dropout(x, 0.3))).every((v) => v === 1)).toBe(true);
    const y = take(dropout(x, 0.3, Rng.fromSeed(1)));
    const zeros = y.filter((v) => v === 0).length;
    // Binomial(10 000, 0.3): sd = √(10 000·0.21) ≈ 46; allow 5 sd.
    expect(Math.abs(zeros - 3000)).toBeLessThan(5 * 46);
    expect(y.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    // Same generator state → same mask; different state → different mask.
    expect(take(dropout(x, 0.3, Rng.fromSeed(1)))).toEqual(y);
    expect(take(dropout(x, 0.3, Rng.fromSeed(2)))).not.toEqual(y);
    expect(() => dropout(x, 1)).toThrow(/rate must be in \[0, 1\), got 1/);
    x.dispose();
  });
});

describe('residual block', () => {
  it('has a 1×1 skip only when channels change, and autodiff gradients equal to finite differences', () => {
    expect(initResBlock(Rng.fromSeed(1), 4, 4, 3).skip).toBeUndefined();
    const p = initResBlock(Rng.fromSeed(1), 2, 4, 3);
    expect(p.skip!.kernel.shape).toEqual([1, 1, 2, 4]);
    const x = normalTensor(2, [2, 3, 3, 2]);
    const time = normalTensor(3, [2, 3]);
    const probe = normalTensor(4, [2, 3, 3, 4]);
    const { checked } = checkGradients(
      (k1, wt, k2, ks, g2, input, tau) =>
        tf.sum(
          tf.mul(
            resBlock(
              {
                ...p,
                conv1: { kernel: k1!, bias: p.conv1.bias },
                time: { weight: wt!, bias: p.time.bias },
                conv2: { kernel: k2!, bias: p.conv2.bias },
                skip: { kernel: ks!, bias: p.skip!.bias },
                norm2: { scale: g2!, offset: p.norm2.offset },
              },
              input!,
              tau!,
              { groups: 2 },
            ),
            probe,
          ),
        ),
      [p.conv1.kernel, p.time.weight, p.conv2.kernel, p.skip!.kernel, p.norm2.scale, x, time],
      { maxPerInput: 8 },
    );
    expect(checked).toBe(8 * 5 + 4 + 6); // γ₂ has 4 elements, τ has 6
    tf.dispose([x, time, probe]);
  });

  it('adds the time projection before the second norm: different times give different outputs', () => {
    const p = initResBlock(Rng.fromSeed(5), 4, 4, 3);
    const x = normalTensor(6, [1, 3, 3, 4]);
    const a = take(resBlock(p, x, normalTensor(7, [1, 3]), { groups: 2 }));
    const b = take(resBlock(p, x, normalTensor(8, [1, 3]), { groups: 2 }));
    expect(maxRelativeError(a, b)).toBeGreaterThan(1e-3);
    // Dropout is active only with an rng.
    const tau = normalTensor(7, [1, 3]);
    const evalOut = take(resBlock(p, x, tau, { groups: 2, dropout: 0.5 }));
    expect(evalOut).toEqual(a);
    const train = take(resBlock(p, x, tau, { groups: 2, dropout: 0.5, rng: Rng.fromSeed(1) }));
    expect(maxRelativeError(train, a)).toBeGreaterThan(1e-3);
    tf.dispose([x, tau]);
  });
});

/**
 * A small U-Net-like training step on `wasm` against `cpu`: conv (stride 2) → GroupNorm via
 * moments → SiLU → spatial softmax attention → nearest ×2 upsampling (concat/reshape) → concat with the input skip →
 * conv → mean squared loss. The gradients of all parameters must match cpu to 1e-4 of each
 * gradient's largest entry (same reasoning as the kernel tests: float32 sums in a different order
 * differ by ~1e-6 relative), and repeated steps must not leak tensors.
 */
import { Rng, randomNormal, useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../src/index.ts';
import { maxRelativeError } from './compare.ts';

const TOLERANCE = 1e-4;
const GROUPS = 2;

function groupNorm(h: tf.Tensor4D): tf.Tensor4D {
  const [b, height, width, c] = h.shape;
  const grouped = tf.reshape(h, [b, height, width, GROUPS, c / GROUPS]);
  const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
  const normal = tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, 1e-5)));
  return tf.reshape(normal, h.shape);
}

const silu = (h: tf.Tensor) => tf.mul(h, tf.sigmoid(h));

/** Parameters and data of the toy network (fixed seed, identical on every backend). */
function setup() {
  const rng = Rng.fromSeed(42);
  const scaled = (shape: number[], s: number) => tf.mul(randomNormal(rng, shape), s);
  return {
    x: randomNormal(rng, [3, 8, 6, 2]) as tf.Tensor4D,
    target: randomNormal(rng, [3, 8, 6, 1]) as tf.Tensor4D,
    vars: {
      w1: tf.variable(scaled([3, 3, 2, 4], 0.4)),
      b1: tf.variable(scaled([4], 0.1)),
      w2: tf.variable(scaled([3, 3, 6, 1], 0.3)),
    },
  };
}

type Params = ReturnType<typeof setup>;

function loss({ x, target, vars }: Params): tf.Scalar {
  const down = tf.add(tf.conv2d(x, vars.w1 as tf.Tensor4D, 2, 'same'), vars.b1) as tf.Tensor4D;
  const h = silu(groupNorm(down)) as tf.Tensor4D;
  const [b, height, width, c] = h.shape;
  const tokens = tf.reshape(h, [b, height * width, c]);
  const attention = tf.softmax(tf.div(tf.matMul(tokens, tokens, false, true), Math.sqrt(c)));
  const attended = tf.add(h, tf.reshape(tf.matMul(attention, tokens), h.shape)) as tf.Tensor4D;
  // Nearest ×2 upsampling by concat/reshape: the cpu backend's ResizeNearestNeighborGrad (the
  // reference here) is wrong for batch > 1; the wasm one is checked against the forward resize in
  // training-kernels.test.ts.
  const wide = tf.reshape(tf.concat([attended, attended], 3), [b, height, 2 * width, c]);
  const up = tf.reshape(tf.concat([wide, wide], 2), [b, 2 * height, 2 * width, c]) as tf.Tensor4D;
  const out = tf.conv2d(tf.concat([up, x], 3) as tf.Tensor4D, vars.w2 as tf.Tensor4D, 1, 'same');
  return tf.mean(tf.square(tf.sub(out, target)));
}

async function gradients(backend: string): Promise<Record<string, Float32Array>> {
  await useBackend(backend);
  const params = setup();
  const { value, grads } = tf.variableGrads(() => loss(params));
  const out: Record<string, Float32Array> = { loss: value.dataSync() as Float32Array };
  for (const [name, v] of Object.entries(params.vars)) {
    out[name] = grads[v.name]!.dataSync() as Float32Array;
  }
  tf.dispose([
    value,
    params.x,
    params.target,
    ...Object.values(grads),
    ...Object.values(params.vars),
  ]);
  return out;
}

describe('training a small conv net on wasm', () => {
  it('variableGrads of a U-Net-like step match the cpu backend', async () => {
    const reference = await gradients('cpu');
    const wasm = await gradients('wasm');
    for (const name of ['loss', 'w1', 'b1', 'w2']) {
      expect(maxRelativeError(wasm[name]!, reference[name]!), name).toBeLessThan(TOLERANCE);
    }
  });

  it('repeated gradient steps leak neither tensors nor wasm heap buffers', async () => {
    await useBackend('wasm');
    const params = setup();
    const optimizer = tf.train.sgd(0.01);
    const step = () => tf.dispose(optimizer.minimize(() => loss(params), true)!);
    step(); // the optimizer allocates its state once
    const tensors = tf.memory().numTensors;
    const buffers = tf.backend().numDataIds();
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    // The backend count also sees buffers that kernels allocate for themselves (im2col chunks).
    expect(tf.backend().numDataIds()).toBe(buffers);
    tf.dispose([params.x, params.target, ...Object.values(params.vars)]);
    optimizer.dispose();
  });
});

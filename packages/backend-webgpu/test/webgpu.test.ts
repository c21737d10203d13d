import { Rng, randomNormal, useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeAdapter, findAdapter } from '../src/index.ts';

// On a machine without any WebGPU adapter (no Vulkan driver), these checks cannot run: they are
// skipped with the reason printed. CI installs Mesa's Vulkan driver (lavapipe, a software adapter).
const adapter = await findAdapter();
if (!adapter)
  console.warn('[backend-webgpu] no WebGPU adapter here: op and gradient checks skipped');

/** Run `f` on a backend (inputs drawn with dale's Rng, identical everywhere) and return plain arrays. */
async function on(backend: string, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await useBackend(backend);
  const outputs = tf.tidy(f);
  const values = await Promise.all(outputs.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(outputs);
  return values;
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let scale = 1e-6;
  let error = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    error = Math.max(error, Math.abs(a[i]! - b[i]!));
  }
  return error / scale;
}

/** The same computation on webgpu and on cpu (the reference) agree to `tolerance` relative to the largest value. */
async function expectSameAsCpu(f: () => tf.Tensor[], tolerance = 1e-4): Promise<void> {
  const reference = await on('cpu', f);
  const gpu = await on('webgpu', f);
  expect(gpu).toHaveLength(reference.length);
  reference.forEach((r, i) =>
    expect(relativeError(gpu[i]!, r), `output ${i}`).toBeLessThan(tolerance),
  );
}

describe.skipIf(!adapter)('@dale/backend-webgpu on the adapter found here', () => {
  beforeAll(() => {
    console.log(`[backend-webgpu] ${describeAdapter(adapter!).device}`);
  });

  it('initialises, reports the adapter and says whether it is software', async () => {
    const chosen = await useBackend('webgpu');
    expect(chosen.tfBackend).toBe('webgpu');
    expect(chosen.device).toMatch(/^WebGPU: /);
    expect(chosen.software).toBe(describeAdapter(adapter!).software);
  });

  it('auto prefers webgpu only on a hardware adapter', async () => {
    const chosen = await useBackend('auto');
    if (describeAdapter(adapter!).software) expect(chosen.name).not.toBe('webgpu');
    else expect(chosen.name).toBe('webgpu');
  });

  it('dense layer, SiLU, softmax and their gradients match cpu', async () => {
    await expectSameAsCpu(() => {
      const rng = Rng.fromSeed(0);
      const x = randomNormal(rng, [16, 24]);
      const w = randomNormal(rng, [24, 12]);
      const loss = (wv: tf.Tensor) => {
        const h = tf.matMul(x, wv);
        return tf.sum(tf.mul(tf.softmax(tf.mul(h, tf.sigmoid(h))), h));
      };
      const [g] = tf.grads(loss)([w]);
      return [loss(w), g!];
    });
  });

  it('convolution (stride 1 and 2), GroupNorm-style moments and their gradients match cpu', async () => {
    await expectSameAsCpu(() => {
      const rng = Rng.fromSeed(1);
      const x = randomNormal(rng, [2, 8, 8, 3]) as tf.Tensor4D;
      const k1 = randomNormal(rng, [3, 3, 3, 4]) as tf.Tensor4D;
      const k2 = randomNormal(rng, [3, 3, 4, 4]) as tf.Tensor4D;
      const loss = (a: tf.Tensor, b: tf.Tensor, input: tf.Tensor) => {
        const h = tf.conv2d(input as tf.Tensor4D, a as tf.Tensor4D, 1, 'same');
        const { mean, variance } = tf.moments(h, [1, 2], true);
        const n = tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5)));
        return tf.sum(tf.square(tf.conv2d(n as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')));
      };
      const grads = tf.grads(loss)([k1, k2, x]);
      return [loss(k1, k2, x), ...grads];
    }, 1e-3);
  });

  it('leaks no tensors over repeated gradient steps', async () => {
    await useBackend('webgpu');
    const w = tf.variable(tf.ones([8, 8]));
    const x = tf.ones([4, 8]);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.matMul(x, w))), [w]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, x]);
  });
});

describe('describeAdapter', () => {
  it('recognises software adapters by flag or by name', () => {
    expect(
      describeAdapter({ info: { vendor: 'mesa', device: 'llvmpipe (LLVM 19, 256 bits)' } })
        .software,
    ).toBe(true);
    expect(
      describeAdapter({
        info: { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100' },
      }),
    ).toEqual({
      device: 'WebGPU: nvidia hopper NVIDIA H100',
      software: false,
    });
    expect(describeAdapter({ info: { vendor: 'google', isFallbackAdapter: true } }).software).toBe(
      true,
    );
  });
});

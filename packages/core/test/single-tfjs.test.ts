import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { bundleTfjsRegistrations, OUTPUT } from '../scripts/bundle-tfjs-registrations.ts';

const root = resolve(import.meta.dirname, '../../..');

/** The real directory of `name` as a module resolving from `fromDir` would load it. */
function packageFrom(fromDir: string, name: string): string {
  const require = createRequire(join(fromDir, 'package.json'));
  return realpathSync(dirname(require.resolve(`${name}/package.json`)));
}

const manifests = ['packages', 'examples'].flatMap((group) =>
  readdirSync(join(root, group)).map((d) => join(root, group, d)),
);

function dependencies(dir: string): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return { ...manifest.peerDependencies, ...manifest.dependencies, ...manifest.devDependencies };
}

describe('one copy of TensorFlow.js', () => {
  it('every workspace package and every tfjs backend resolve the same tfjs-core', () => {
    const copies = new Set<string>();
    for (const dir of manifests) {
      const deps = dependencies(dir);
      if ('@tensorflow/tfjs-core' in deps) copies.add(packageFrom(dir, '@tensorflow/tfjs-core'));
      for (const backend of [
        '@tensorflow/tfjs-backend-cpu',
        '@tensorflow/tfjs-backend-wasm',
        '@tensorflow/tfjs-backend-webgpu',
        '@tensorflow/tfjs-converter',
      ]) {
        if (backend in deps) {
          copies.add(packageFrom(packageFrom(dir, backend), '@tensorflow/tfjs-core'));
        }
      }
    }
    expect([...copies]).toHaveLength(1);
    const installed = readdirSync(join(root, 'node_modules/.pnpm')).filter((d) =>
      d.startsWith('@tensorflow+tfjs-core@'),
    );
    expect(installed).toEqual(['@tensorflow+tfjs-core@4.22.0']);
  });

  it('no package depends on the union package @tensorflow/tfjs (layers, converter, WebGL)', () => {
    const union = manifests.filter((dir) => '@tensorflow/tfjs' in dependencies(dir));
    expect(union.map((dir) => dir.slice(root.length + 1))).toEqual([]);
  });

  it('at run time, the cpu backend and the registrations share the engine and the Tensor class', async () => {
    await (await import('../src/index.ts')).useBackend('cpu');
    const core = await import('@tensorflow/tfjs-core');
    const cpu = await import('@tensorflow/tfjs-backend-cpu');
    // A chained op (registered by the bundled registrations) returns tfjs-core's tensors.
    const y = core.tensor([1, -2]).abs();
    expect(y).toBeInstanceOf(core.Tensor);
    expect(core.engine().backend).toBeInstanceOf(cpu.MathBackendCPU);
    expect(core.engine().registryFactory).toHaveProperty('cpu');
    // Gradients live in tfjs-core's registry, not in a private one.
    expect(core.getGradient('Conv2D')).toBeDefined();
    expect(core.getGradient('BatchMatMul')).toBeDefined();
  });

  it('gradients and chained ops are registered once @dale/core is imported', async () => {
    await import('../src/index.ts');
    const tf = await import('@tensorflow/tfjs-core');
    const grad = tf.grad((x: Tensor) => tf.sum(tf.exp(x)));
    const g = grad(tf.tensor([0, 1]));
    expect(Array.from(g.dataSync())).toEqual([1, Math.fround(Math.E)].map(Math.fround));
    expect(tf.tensor([1, 2]).square().sum().dataSync()[0]).toBe(5);
  });

  it('the gradient of a convolution matches central differences', async () => {
    await (await import('../src/index.ts')).useBackend('cpu');
    const tf = await import('@tensorflow/tfjs-core');
    const x = tf.tensor4d(
      Array.from({ length: 50 }, (_, i) => Math.sin(i)),
      [1, 5, 5, 2],
    );
    const loss = (w: Tensor) =>
      tf
        .conv2d(x, w as Tensor4D, 1, 'same')
        .square()
        .sum();
    const w0 = Array.from({ length: 54 }, (_, i) => Math.cos(3 * i) / 2);
    const w = tf.tensor4d(w0, [3, 3, 2, 3]);
    const g = tf.grad(loss)(w).dataSync();
    const eps = 1e-2;
    for (const i of [0, 17, 53]) {
      const plus = w0.slice();
      plus[i]! += eps;
      const minus = w0.slice();
      minus[i]! -= eps;
      const fd =
        (loss(tf.tensor4d(plus, [3, 3, 2, 3])).dataSync()[0]! -
          loss(tf.tensor4d(minus, [3, 3, 2, 3])).dataSync()[0]!) /
        (2 * eps);
      expect(g[i]).toBeCloseTo(fd, 1);
    }
  });

  it(`${OUTPUT} is what the script generates from the installed tfjs-core`, async () => {
    const committed = readFileSync(join(import.meta.dirname, '..', OUTPUT), 'utf8');
    expect((await bundleTfjsRegistrations()) === committed).toBe(true);
  });
});

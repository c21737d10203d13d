import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

/** The directory of the tfjs-core copy that a module resolving from `fromDir` would load. */
function tfjsCoreFrom(fromDir: string): string {
  const require = createRequire(join(fromDir, 'package.json'));
  return realpathSync(dirname(require.resolve('@tensorflow/tfjs-core/package.json')));
}

describe('one copy of TensorFlow.js', () => {
  it('every workspace package, the union package and the backends resolve the same tfjs-core', () => {
    const dirs = readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d));
    const copies = new Set<string>();
    for (const dir of dirs) {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const deps = {
        ...manifest.peerDependencies,
        ...manifest.dependencies,
        ...manifest.devDependencies,
      };
      if (!('@tensorflow/tfjs-core' in deps)) continue;
      copies.add(tfjsCoreFrom(dir));
      if ('@tensorflow/tfjs' in deps) {
        const union = realpathSync(
          dirname(
            createRequire(join(dir, 'package.json')).resolve('@tensorflow/tfjs/package.json'),
          ),
        );
        copies.add(tfjsCoreFrom(union));
        const cpu = realpathSync(
          dirname(
            createRequire(join(union, 'package.json')).resolve(
              '@tensorflow/tfjs-backend-cpu/package.json',
            ),
          ),
        );
        copies.add(tfjsCoreFrom(cpu));
      }
    }
    expect([...copies]).toHaveLength(1);
    const installed = readdirSync(join(root, 'node_modules/.pnpm')).filter((d) =>
      d.startsWith('@tensorflow+tfjs-core@'),
    );
    expect(installed).toEqual(['@tensorflow+tfjs-core@4.22.0']);
  });

  it('at run time, tensors made by the union package are instances of the Tensor class dale uses', async () => {
    await (await import('../src/index.ts')).useBackend('cpu');
    const core = await import('@tensorflow/tfjs-core');
    const union = await import('@tensorflow/tfjs');
    expect(union.tensor([1, 2])).toBeInstanceOf(core.Tensor);
    expect(union.engine()).toBe(core.engine());
  });

  it('gradients and chained ops are registered once @dale/core is imported', async () => {
    await import('../src/index.ts');
    const tf = await import('@tensorflow/tfjs-core');
    const grad = tf.grad((x: import('@tensorflow/tfjs-core').Tensor) => tf.sum(tf.exp(x)));
    const g = grad(tf.tensor([0, 1]));
    expect(Array.from(g.dataSync())).toEqual([1, Math.fround(Math.E)].map(Math.fround));
    expect(tf.tensor([1, 2]).square().sum().dataSync()[0]).toBe(5);
  });
});

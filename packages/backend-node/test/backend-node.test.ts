import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  chooseBinding,
  createNodeBackendPlugin,
  installInstructions,
  nodeBackendPlugin,
} from '../src/index.ts';

const missing = (name: string): string => {
  throw new Error(`Cannot find module '${name}'`);
};

describe('@dale/backend-node', () => {
  it('prefers the GPU binding, falls back to the CPU one, else none', () => {
    expect(chooseBinding((n) => `/x/${n}`)).toBe('@tensorflow/tfjs-node-gpu');
    expect(chooseBinding((n) => (n.endsWith('-gpu') ? missing(n) : `/x/${n}`))).toBe(
      '@tensorflow/tfjs-node',
    );
    expect(chooseBinding(missing)).toBeUndefined();
  });

  // Neither binding can be installed on this machine (their install step downloads libtensorflow).
  it('without a binding, `tensorflow` is unavailable and says how to install one', async () => {
    await expect(useBackend('tensorflow')).rejects.toThrow(
      /'tensorflow' is not available here \(install @tensorflow\/tfjs-node/,
    );
    const error = await nodeBackendPlugin.init().catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(installInstructions());
    expect(installInstructions()).toMatch(/CUDA 11\.2 and cuDNN 8\.1/);
    expect(installInstructions()).toMatch(/custom-binary\.json/);
    // auto goes on to the next backend.
    expect((await useBackend('auto')).name).not.toBe('tensorflow');
  });

  describe('loading a binding', () => {
    // The real bindings cannot install here, so a stand-in package at the binding's name registers a
    // `tensorflow` backend (the cpu kernels under that name). This exercises resolution from a
    // node_modules folder, the import, tf.setBackend('tensorflow') and the reported device.
    const dir = mkdtempSync(join(tmpdir(), 'dale-backend-node-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const coreUrl = pathToFileURL(
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-core'),
    ).href;
    const binding = join(dir, 'node_modules/@tensorflow/tfjs-node');
    mkdirSync(binding, { recursive: true });
    writeFileSync(
      join(binding, 'package.json'),
      JSON.stringify({ name: '@tensorflow/tfjs-node', main: 'index.mjs' }),
    );
    writeFileSync(
      join(binding, 'index.mjs'),
      `import * as tf from ${JSON.stringify(coreUrl)};
       const cpu = tf.findBackendFactory('cpu');
       tf.copyRegisteredKernels('cpu', 'tensorflow');
       tf.registerBackend('tensorflow', cpu, 1);`,
    );
    const resolve = createRequire(join(dir, 'index.js')).resolve;

    it('resolves the CPU binding from node_modules, loads it and makes `tensorflow` active', async () => {
      const plugin = createNodeBackendPlugin({
        resolve,
        load: (name) => import(pathToFileURL(resolve(name)).href),
      });
      expect(await plugin.isAvailable({ mode: 'auto' })).toBe(true);
      const info = await plugin.init();
      expect(info).toMatchObject({ tfBackend: 'tensorflow', software: false });
      expect(info.device).toMatch(/TensorFlow C 2\.9\.1 \(CPU, via @tensorflow\/tfjs-node\)/);
      expect(tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]).toBe(5);
      await useBackend('cpu');
    });
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BackendPlugin,
  DaleError,
  listBackendPlugins,
  registerBackendPlugin,
  synchronousReadsAvailable,
  useBackend,
} from '../src/index.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A real plugin that runs on TensorFlow.js's cpu kernels under another name, for selection logic. */
function plugin(
  name: string,
  priority: number,
  overrides: Partial<BackendPlugin> = {},
): BackendPlugin {
  const p: BackendPlugin = {
    name,
    priority,
    isAvailable: () => true,
    async init() {
      await tf.setBackend('cpu');
      return { device: `${name} device`, software: false, tfBackend: tf.getBackend() };
    },
    ...overrides,
  };
  cleanups.push(registerBackendPlugin(p));
  return p;
}

describe('backend registry', () => {
  it('synchronousReadsAvailable follows what the chosen plugin said, for its backend only', async () => {
    plugin('async-only', 1, {
      async init() {
        await tf.setBackend('cpu');
        return {
          device: 'd',
          software: false,
          tfBackend: tf.getBackend(),
          synchronousReads: false,
        };
      },
    });
    await useBackend('cpu');
    expect(synchronousReadsAvailable()).toBe(true);
    await useBackend('async-only');
    expect(synchronousReadsAvailable()).toBe(false);
    await useBackend('cpu');
    expect(synchronousReadsAvailable()).toBe(true);
  });

  it('cpu is registered by default and always works', async () => {
    expect(listBackendPlugins()).toContain('cpu');
    const chosen = await useBackend('cpu');
    expect(chosen).toMatchObject({ name: 'cpu', tfBackend: 'cpu', software: false });
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]).toBe(3);
  });

  it('auto takes the available plugin of highest priority and says why', async () => {
    plugin('fast-but-absent', 50, {
      isAvailable: () => ({ available: false, reason: 'no driver' }),
    });
    plugin('medium', 20);
    plugin('slow', 10);
    const lines: string[] = [];
    const chosen = await useBackend('auto', { log: (line) => lines.push(line) });
    expect(chosen.name).toBe('medium');
    expect(chosen.reason).toMatch(/fast-but-absent \(unavailable: no driver\)/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/backend medium on medium device/);
  });

  it('a backend named explicitly is checked alone; the others only to explain a failure', async () => {
    let probed = 0;
    plugin('noisy', 60, {
      isAvailable: () => {
        probed++;
        return true;
      },
    });
    plugin('wanted', 5);
    plugin('absent', 4, { isAvailable: () => ({ available: false, reason: 'no driver' }) });
    const chosen = await useBackend('wanted');
    expect(chosen.name).toBe('wanted');
    expect(chosen.candidates.map((c) => c.name)).toEqual(['wanted']);
    expect(probed).toBe(0);
    await expect(useBackend('absent')).rejects.toThrow(/not available here.*no driver.*noisy/);
    expect(probed).toBe(1);
  });

  it('auto falls back when the preferred backend fails to initialise', async () => {
    plugin('broken', 40, {
      init: () => Promise.reject(new Error('adapter lost')),
    });
    const chosen = await useBackend('auto');
    expect(chosen.name).toBe('cpu');
    expect(chosen.reason).toMatch(/broken failed to initialise \(adapter lost\)/);
  });

  it('auto stops at a backend that is misconfigured instead of falling back in silence', async () => {
    plugin('needs-setup', 40, {
      init: () =>
        Promise.reject(
          new DaleError('backend-misconfigured', 'the binary is not served; serve it'),
        ),
    });
    const error = await useBackend('auto').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaleError);
    expect((error as DaleError).code).toBe('backend-misconfigured');
    expect((error as Error).message).toBe('the binary is not served; serve it');
  });

  it('a plugin may decline auto selection but still work when named', async () => {
    plugin('software-gpu', 30, {
      isAvailable: ({ mode }) =>
        mode === 'auto' ? { available: false, reason: 'software adapter' } : true,
    });
    expect((await useBackend('auto')).name).toBe('cpu');
    expect((await useBackend('software-gpu')).name).toBe('software-gpu');
  });

  it('an unknown name fails with an error that lists the available backends', async () => {
    plugin('absent', 5, { isAvailable: () => false });
    const error = await useBackend('tpu').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaleError);
    expect((error as DaleError).code).toBe('backend-unknown');
    expect((error as Error).message).toMatch(/unknown backend 'tpu'\. Available: cpu\./);
  });

  it('an unavailable name fails with its reason and the available ones', async () => {
    plugin('absent', 5, { isAvailable: () => ({ available: false, reason: 'not installed' }) });
    await expect(useBackend('absent')).rejects.toThrow(
      /'absent' is not available here \(not installed\)\. Available: cpu/,
    );
  });

  it('an explicit backend whose init fails reports the failure', async () => {
    plugin('flaky', 5, { init: () => Promise.reject(new Error('out of memory')) });
    await expect(useBackend('flaky')).rejects.toThrow(
      /'flaky' failed to initialise: out of memory/,
    );
  });

  it('rejects malformed plugins', () => {
    expect(() => registerBackendPlugin({ ...plugin('x', 1), name: '' })).toThrow(/non-empty name/);
    expect(() => registerBackendPlugin({ ...plugin('y', 1), name: 'auto' })).toThrow(/reserved/);
    expect(() => registerBackendPlugin({ ...plugin('z', 1), priority: Number.NaN })).toThrow(
      /priority/,
    );
  });
});

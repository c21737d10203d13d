import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAWN_LIMIT_WARNING, dawnInstalled, probeAdapterQuietly } from '../src/index.ts';

const packageDir = join(import.meta.dirname, '..');

/** Standard error of a Node ES-module script run from this package. */
function stderrOf(script: string): string {
  const run = spawnSync(
    process.execPath,
    ['--conditions=@dale/source', '--input-type=module', '-e', script],
    { cwd: packageDir, encoding: 'utf8' },
  );
  expect(run.status, run.stderr).toBe(0);
  return run.stderr;
}

const adapter = await probeAdapterQuietly();
if (!adapter) console.warn('[backend-webgpu] no WebGPU adapter here: probe checks skipped');

describe('probing for WebGPU in Node', () => {
  it('finds Dawn, the optional peer, here', () => {
    expect(dawnInstalled()).toBe(true);
  });

  it.skipIf(!adapter)(
    'Dawn itself prints its adapter-limit warnings (what the probe filters)',
    () => {
      const direct = stderrOf(`
      const dawn = await import('webgpu');
      Object.assign(globalThis, dawn.globals);
      await dawn.create([]).requestAdapter();
    `);
      // lavapipe (CI) reports huge limits that Dawn reduces; a hardware driver may not.
      if (direct.length === 0) return;
      expect(
        direct
          .split('\n')
          .filter(Boolean)
          .every((l) => DAWN_LIMIT_WARNING.test(l)),
      ).toBe(true);
    },
  );

  it.skipIf(!adapter)('useBackend("auto") and probeBackends print none of them', () => {
    const stderr = stderrOf(`
      await import('@dale/backend-webgpu');
      const { probeBackends, useBackend } = await import('@dale/core');
      await probeBackends();
      await useBackend('auto');
    `);
    expect(stderr).not.toMatch(/artificially reduced/);
  });

  it.skipIf(!adapter)('the adapter the probe reports is the one the process gets', async () => {
    const { describeAdapter, findAdapter } = await import('../src/index.ts');
    expect(describeAdapter(adapter!)).toEqual(describeAdapter((await findAdapter())!));
  });
});

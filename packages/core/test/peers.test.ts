import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DaleError, importPeer, installCommand, loadedTfjsCoreCopies } from '../src/index.ts';

const coreDir = join(import.meta.dirname, '..');

describe('a missing peer dependency', () => {
  it('fails with the package, what needs it and the install command', async () => {
    const error = await importPeer(
      '@tensorflow/tfjs-not-installed',
      // @ts-expect-error: the package does not exist, which is the point.
      () => import('@tensorflow/tfjs-not-installed'),
      { range: '^4.22.0', neededBy: 'the test' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaleError);
    expect((error as DaleError).code).toBe('missing-peer');
    expect((error as DaleError).message).toBe(
      'the test needs the package @tensorflow/tfjs-not-installed, which is not installed. Install it beside dale: npm install @tensorflow/tfjs-not-installed@^4.22.0',
    );
  });

  it('passes other errors through unchanged', async () => {
    const boom = new Error('boom');
    await expect(importPeer('x', () => Promise.reject(boom), { neededBy: 't' })).rejects.toBe(boom);
    expect(installCommand('webgpu')).toBe('npm install webgpu');
  });
});

describe('two copies of @tensorflow/tfjs-core', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'dale-two-cores-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('this process has one, found in the module cache', () => {
    const copies = loadedTfjsCoreCopies();
    expect(copies).toHaveLength(1);
    expect(copies[0]!.version).toBe('4.22.0');
  });

  it('useBackend names each copy, its version and where it was loaded from', () => {
    // A second, older copy of tfjs-core beside the real one, as a stale install would leave it.
    const real = realpathSync(
      dirname(
        createRequire(join(coreDir, 'package.json')).resolve('@tensorflow/tfjs-core/package.json'),
      ),
    );
    const other = join(tmp, 'node_modules/@tensorflow/tfjs-core');
    mkdirSync(join(other, 'dist'), { recursive: true });
    cpSync(join(real, 'dist/tf-core.node.js'), join(other, 'dist/tf-core.node.js'));
    const manifest = JSON.parse(readFileSync(join(real, 'package.json'), 'utf8'));
    writeFileSync(join(other, 'package.json'), JSON.stringify({ ...manifest, version: '4.21.0' }));
    for (const dep of ['seedrandom', 'long', 'node-fetch']) {
      symlinkSync(join(real, '..', '..', dep), join(tmp, 'node_modules', dep));
    }
    const script = `
      import { createRequire } from 'node:module';
      const { useBackend } = await import('@dale/core');
      createRequire(${JSON.stringify(join(tmp, 'index.js'))})('@tensorflow/tfjs-core');
      try { await useBackend('cpu'); console.log('no error'); }
      catch (e) { console.log(e.code + '\\n' + e.message); }
    `;
    const out = execFileSync(
      process.execPath,
      ['--conditions=@dale/source', '--input-type=module', '-e', script],
      { cwd: coreDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    expect(out).toContain('tfjs-core-copies\n2 copies of @tensorflow/tfjs-core are loaded');
    expect(out).toContain(`4.22.0 from ${real}`);
    expect(out).toContain(`4.21.0 from ${realpathSync(other)}`);
    expect(out).toContain('npm ls @tensorflow/tfjs-core');
  });
});

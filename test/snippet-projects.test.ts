// The quick half of the packed-install test (test/packed-install.test.ts): which project each
// README and guide snippet runs in, checked without installing anything.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  importedPackages,
  packagesOf,
  projects,
  unnamedImports,
} from './packed-install/snippets.ts';

const root = resolve(import.meta.dirname, '..');

describe('README and guide snippets, and the install lines they run under', () => {
  it('every plan names one block, and every block of an excerpting guide is in its example', () => {
    // projects() throws on a stale or ambiguous plan and on a block its example does not contain.
    const all = projects(root);
    const ids = all.flatMap((p) => p.snippets.map((s) => s.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('packages/samplers/README.md#0');
    expect(ids).toContain('examples/custom-sde/src/exp-ou.ts');
  });

  it('every package a snippet imports is named on the install line above it', () => {
    expect(projects(root).flatMap(unnamedImports)).toEqual([]);
  });

  it('projects with the same packages share one installation', () => {
    const all = projects(root);
    const cli = all.find((p) => p.name === 'cli')!;
    expect(all.find((p) => p.name === 'getting-started')?.dir).toBe(cli.dir);
    const dirs = new Map(all.map((p) => [p.dir, p.packages.join(' ')]));
    for (const p of all) expect(dirs.get(p.dir)).toBe(p.packages.join(' '));
  });

  it('reads install lines and imports as a reader does', () => {
    expect(packagesOf('pnpm add @dale/core @tensorflow/tfjs-core  # the peer')).toEqual([
      '@dale/core',
      '@tensorflow/tfjs-core',
    ]);
    const code = [
      "import '@dale/backend-wasm';",
      "import { readFileSync } from 'node:fs';",
      "import { join } from 'path';",
      "import { loadCheckpoint } from '@dale/models/node';",
      "import type { Rng } from '@dale/core';",
      "export { x } from './x.ts';",
      "const tf = await import('@tensorflow/tfjs-core');",
      "import {\n  a,\n  b,\n} from 'fflate';",
    ].join('\n');
    expect(importedPackages(code)).toEqual([
      '@dale/backend-wasm',
      '@dale/core',
      '@dale/models',
      '@tensorflow/tfjs-core',
      'fflate',
    ]);
  });
});

import { fileURLToPath } from 'node:url';
import { walkImports } from '@dale/testing/import-graph';
import { describe, expect, it } from 'vitest';

const exampleRoot = fileURLToPath(new URL('..', import.meta.url));

describe('the page imports no Node module', () => {
  it('nothing reachable from src/main.ts, through every @dale/* package it uses, imports a Node built-in', () => {
    const { files, nodeImports } = walkImports(`${exampleRoot}src/main.ts`, exampleRoot);
    expect(
      nodeImports.map(({ specifier, chain }) => `${chain.join(' → ')} imports ${specifier}`),
    ).toEqual([]);
    for (const pkg of [
      'core',
      'data',
      'models',
      'samplers',
      'sde',
      'backend-wasm',
      'backend-webgpu',
    ])
      expect(files).toContain(`../../packages/${pkg}/src/index.ts`);
  });
});

import { fileURLToPath } from 'node:url';
import { walkImports } from '@dale/testing/import-graph';
import { describe, expect, it } from 'vitest';

const source = (file: string) => fileURLToPath(new URL(`../src/${file}`, import.meta.url));
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

describe('the main entry @dale/data is browser-safe', () => {
  it('no module reachable from src/index.ts, @dale/core and @dale/sde included, imports a Node built-in', () => {
    const { files, nodeImports } = walkImports(source('index.ts'), packageRoot);
    expect(
      nodeImports.map(({ specifier, chain }) => `${chain.join(' → ')} imports ${specifier}`),
    ).toEqual([]);
    // The walk went through the readers and into the workspace packages the entry imports.
    expect(files).toContain('src/formats/png.ts');
    expect(files).toContain('../core/src/index.ts');
    expect(files).toContain('../sde/src/index.ts');
    expect(files.some((file) => file.startsWith('src/node/'))).toBe(false);
  });

  it('src/node.ts (@dale/data/node) is where the Node imports are: the walk finds them there', () => {
    const { nodeImports } = walkImports(source('node.ts'), packageRoot);
    const importers = new Set(nodeImports.map(({ chain }) => chain.at(-1)));
    expect([...importers].sort()).toEqual([
      'src/node/atomic-file.ts',
      'src/node/checksum.ts',
      'src/node/image-folder.ts',
      'src/node/load.ts',
      'src/node/locations.ts',
      'src/node/resolve.ts',
    ]);
  });
});

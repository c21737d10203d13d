import { fileURLToPath } from 'node:url';
import { importsOf, walkImports } from '@dale/testing/import-graph';
import { describe, expect, it } from 'vitest';

const source = (file: string) => fileURLToPath(new URL(`../src/${file}`, import.meta.url));
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

describe('the main entry @dale/models is browser-safe', () => {
  it('no module reachable from src/index.ts, @dale/core and @dale/sde included, imports a Node built-in', () => {
    const { files, nodeImports } = walkImports(source('index.ts'), packageRoot);
    expect(
      nodeImports.map(({ specifier, chain }) => `${chain.join(' → ')} imports ${specifier}`),
    ).toEqual([]);
    // The walk went through the checkpoint codec and into the workspace packages it imports.
    expect(files).toContain('src/checkpoint/checkpoint.ts');
    expect(files).toContain('../core/src/index.ts');
    expect(files).toContain('../sde/src/index.ts');
    expect(files.some((file) => file.startsWith('src/node/'))).toBe(false);
  });

  it('src/node.ts (@dale/models/node) is where the Node imports are: the walk finds them there', () => {
    const { nodeImports } = walkImports(source('node.ts'), packageRoot);
    expect(
      nodeImports.map(({ specifier, chain }) => `${chain.at(-1)}: ${specifier}`).sort(),
    ).toEqual([
      'src/node/atomic-directory.ts: node:crypto',
      'src/node/atomic-directory.ts: node:fs/promises',
      'src/node/atomic-directory.ts: node:path',
      'src/node/checkpoint-directory.ts: node:fs/promises',
      'src/node/checkpoint-directory.ts: node:path',
    ]);
  });
});

describe('importsOf (the parser behind the walk)', () => {
  it('keeps static, re-exported and dynamic imports and drops type-only ones, comments and strings', () => {
    const code = [
      "import { a } from './a.ts';",
      "import type { B } from 'node:fs';",
      "import { type C } from 'node:path';",
      "export { d } from './d.ts';",
      "export type { E } from 'node:os';",
      "// import { f } from 'node:url';",
      "const g = await import('node:crypto');",
      'const h = "import { i } from \'node:zlib\'";',
      "import 'fs';",
    ].join('\n');
    expect(importsOf(code)).toEqual([
      { specifier: './a.ts', dynamic: false },
      { specifier: 'node:path', dynamic: false },
      { specifier: './d.ts', dynamic: false },
      { specifier: 'node:crypto', dynamic: true },
      { specifier: 'fs', dynamic: false },
    ]);
  });
});

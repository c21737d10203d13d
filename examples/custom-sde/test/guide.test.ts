import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('docs/adding-an-sde-family.md', () => {
  it('every code block is the example’s source as it is, so the guide runs as written', () => {
    const guide = read('../../../docs/adding-an-sde-family.md');
    const sources = ['../src/exp-ou.ts', '../src/train.ts', '../src/sample.ts']
      .map(read)
      .join('\n');
    const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const block of blocks) expect(sources).toContain(block);
  });
});

import { fileURLToPath } from 'node:url';
import { walkImports } from '@dale/testing/import-graph';
import { describe, expect, it } from 'vitest';
import * as browser from '../src/browser.ts';
import * as node from '../src/index.ts';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

describe('the browser entry', () => {
  it('imports no Node module, directly or through the dale packages it uses', () => {
    const { nodeImports } = walkImports(`${packageRoot}src/browser.ts`, packageRoot);
    expect(
      nodeImports.map(({ specifier, chain }) => `${chain.join(' → ')} imports ${specifier}`),
    ).toEqual([]);
  });

  it('exports the Node entry less the parts that read files', () => {
    expect(
      Object.keys(node)
        .filter((name) => !(name in browser))
        .sort(),
    ).toEqual([
      'domainExtractor',
      'domainSplits',
      'fileSystemHandler',
      'kmnistTestSplit',
      'loadFeatureStatistics',
      'loadInceptionV3',
      'saveFeatureStatistics',
    ]);
    const nodeExports = new Map(Object.entries(node));
    for (const [name, value] of Object.entries(browser)) expect(value).toBe(nodeExports.get(name));
  });
});

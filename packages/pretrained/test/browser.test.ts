import { existsSync } from 'node:fs';
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

  it('exports what the Node entry exports, except pretrainedModelDir; fetchPretrainedModel differs', () => {
    const missing = Object.keys(node).filter((name) => !(name in browser));
    expect(missing).toEqual(['pretrainedModelDir']);
    const nodeExports = new Map(Object.entries(node));
    for (const [name, value] of Object.entries(browser)) {
      // The Node entry's reads the package's file: URLs, which Node's fetch does not.
      if (name === 'fetchPretrainedModel') expect(value).not.toBe(nodeExports.get(name));
      else expect(value).toBe(nodeExports.get(name));
    }
  });

  it('names files that ship with the package, beside the directory of pretrainedModelDir', () => {
    for (const name of browser.PRETRAINED_MODELS) {
      const files = browser.pretrainedModelFiles(name);
      for (const url of Object.values(files)) {
        expect(url.protocol).toBe('file:');
        expect(existsSync(fileURLToPath(url)), url.href).toBe(true);
        expect(fileURLToPath(new URL('.', url))).toBe(`${node.pretrainedModelDir(name)}/`);
      }
    }
    expect(() => browser.pretrainedModelFiles('cifar')).toThrow(
      /expected one of mnist, mnist-paper, fashion-mnist, kmnist/,
    );
  });
});

import { readmeSnippet } from '@dale/testing/readme-snippet';
import { describe, expect, it } from 'vitest';
import { bufferOutput, main } from '../src/index.ts';

describe('README', () => {
  it('runs the snippet (the same lines as README.md)', async () => {
    // README:start
    const output = bufferOutput();
    const code = await main(['info', '--json'], { output }); // 0
    const report = JSON.parse(output.out);
    console.log(code, report.auto.name); // 0 'wasm'
    // README:end
    expect([code, report.auto.name]).toEqual([0, 'wasm']);
    const { shown, tested } = readmeSnippet(import.meta.url, '## From a program');
    expect(shown).toEqual(tested);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferOutput, main } from '../src/index.ts';

/** The lines of a snippet, without indentation, blank lines or import lines. */
function codeLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('import ') && !line.startsWith('expect('));
}

describe('README', () => {
  it('runs the snippet (the same lines as README.md)', async () => {
    const source = readFileSync(import.meta.filename, 'utf8');
    // README:start
    const output = bufferOutput();
    const code = await main(['info', '--json'], { output }); // 0
    const report = JSON.parse(output.out);
    console.log(code, report.auto.name); // 0 'wasm'
    // README:end
    expect([code, report.auto.name]).toEqual([0, 'wasm']);
    const test = source.slice(
      source.indexOf('// README:start\n') + 16,
      source.indexOf('    // README:end'),
    );
    const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
    const block = /## From a program[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(codeLines(block)).toEqual(codeLines(test));
  });
});

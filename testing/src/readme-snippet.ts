/**
 * README snippets that a test runs: the code lines of a package README's first TypeScript block
 * and of the region between `// README:start` and `// README:end` in the test file, compared
 * without indentation, blank lines and imports (the README shows the imports its own way).
 */
import { readFileSync } from 'node:fs';

/** The lines of a snippet, without indentation, blank lines or import lines. */
export function codeLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('import ') && !/^}? ?from '/.test(line));
}

/**
 * `shown`: the code lines of the first ```ts block of `readme` (default: `../README.md` next to
 * the test file `testFileUrl`; pass `import.meta.url`), or of the first one after the line
 * `after`; `tested`: those of the test's README region. A test asserts
 * `expect(shown).toEqual(tested)`.
 */
export function readmeSnippet(
  testFileUrl: string,
  after = '',
  readme: URL = new URL('../README.md', testFileUrl),
): { shown: string[]; tested: string[] } {
  const text = readFileSync(readme, 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(text.slice(Math.max(0, text.indexOf(after))));
  if (!block) throw new Error(`${readme.pathname} has no \`\`\`ts block`);
  const source = readFileSync(new URL(testFileUrl), 'utf8');
  const start = source.indexOf('// README:start');
  const end = source.indexOf('// README:end');
  if (start < 0 || end < start)
    throw new Error(`${testFileUrl} has no README:start … README:end region`);
  return {
    shown: codeLines(block[1]!),
    tested: codeLines(source.slice(start + '// README:start'.length, end)),
  };
}

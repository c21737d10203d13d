/**
 * Versions of `@dale/cli` and of the dale packages it runs on.
 * @module
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The version of `@dale/cli` (from its package.json). */
export function cliVersion(): string {
  const url = new URL('../package.json', import.meta.url); // src/ or dist/ → the package root
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/** The installed version of a package, or `'not installed'`. */
export function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

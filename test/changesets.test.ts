import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function writeJson(path: string, value: unknown): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Runs `changeset version`, with the repository's real .changeset/config.json and changesets CLI, on
 * a small workspace: `core` at `coreVersion`, a `plugin` that peer-depends on it (like a backend
 * package) and an `app` that depends on it. Returns the versions afterwards.
 */
function release(
  coreVersion: string,
  peerRange: string,
  bump: 'patch' | 'minor' | 'major',
): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'dale-changesets-'));
  try {
    writeJson(join(dir, 'package.json'), { name: 'root', private: true });
    writeFileSync(join(dir, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
    writeJson(join(dir, 'packages/core/package.json'), { name: '@x/core', version: coreVersion });
    writeJson(join(dir, 'packages/plugin/package.json'), {
      name: '@x/plugin',
      version: '1.0.0',
      peerDependencies: { '@x/core': peerRange },
    });
    writeJson(join(dir, 'packages/app/package.json'), {
      name: '@x/app',
      version: '3.1.0',
      dependencies: { '@x/core': peerRange },
    });
    mkdirSync(join(dir, '.changeset'));
    writeFileSync(
      join(dir, '.changeset/config.json'),
      readFileSync(join(root, '.changeset/config.json')),
    );
    writeFileSync(join(dir, '.changeset/change.md'), `---\n'@x/core': ${bump}\n---\n\nA change.\n`);
    execFileSync('git', ['init', '-q'], { cwd: dir });
    execFileSync(join(root, 'node_modules/.bin/changeset'), ['version'], {
      cwd: dir,
      stdio: 'pipe',
    });
    const version = (name: string) =>
      JSON.parse(readFileSync(join(dir, 'packages', name, 'package.json'), 'utf8'))
        .version as string;
    return { core: version('core'), plugin: version('plugin'), app: version('app') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('changesets configuration: versions are independent and bumps do not cascade', () => {
  it('a release of a peer dependency that stays in range releases no dependent', () => {
    expect(release('1.2.0', '^1.2.0', 'minor')).toEqual({
      core: '1.3.0',
      plugin: '1.0.0',
      app: '3.1.0',
    });
  });

  it('a release that leaves the range gives dependents a patch (their range is widened), never a major', () => {
    // 0.x: ^0.1.0 does not include 0.2.0.
    expect(release('0.1.0', '^0.1.0', 'minor')).toEqual({
      core: '0.2.0',
      plugin: '1.0.1',
      app: '3.1.1',
    });
    expect(release('1.2.0', '^1.2.0', 'major')).toEqual({
      core: '2.0.0',
      plugin: '1.0.1',
      app: '3.1.1',
    });
  });
});

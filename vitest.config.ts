import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One vitest project per package (`vitest run --project core` runs one), one per example with tests
// (`example-<dir>`), plus repository-level checks (`workspace`).
const withTests = (root: string) =>
  readdirSync(root)
    .filter((dir) => existsSync(`${root}/${dir}/test`))
    .map((dir) => ({ name: root === 'packages' ? dir : `example-${dir}`, root: `${root}/${dir}` }));
const projects = [...withTests('packages'), ...withTests('examples')];

export default defineConfig({
  resolve: { conditions: ['@dale/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@dale/source', 'module', 'node', 'import', 'default'] } },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      ...projects.map(({ name, root }) => ({
        extends: true as const,
        test: { name, root, include: ['test/**/*.test.ts'] },
      })),
      // Repository-level checks (release configuration, workspace layout).
      {
        extends: true as const,
        test: { name: 'workspace', root: '.', include: ['test/**/*.test.ts'] },
      },
    ],
  },
});

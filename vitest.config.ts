import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One vitest project per package (`vitest run --project core` runs one), plus repository-level checks.
const packages = readdirSync('packages').filter((dir) => existsSync(`packages/${dir}/test`));

export default defineConfig({
  resolve: { conditions: ['@dale/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@dale/source', 'module', 'node', 'import', 'default'] } },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      ...packages.map((dir) => ({
        extends: true as const,
        test: { name: dir, root: `packages/${dir}`, include: ['test/**/*.test.ts'] },
      })),
      // Repository-level checks (release configuration, workspace layout).
      { extends: true as const, test: { name: 'workspace', root: '.', include: ['test/**/*.test.ts'] } },
    ],
  },
});

// Pack the package in the current directory exactly as it would be published, then check the
// tarball with publint (package.json exports/files) and "are the types wrong" (types resolve
// for ESM consumers under node16 and bundler resolution).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'dale-pack-'));
try {
  execFileSync('pnpm', ['pack', '--pack-destination', dir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  execFileSync('publint', ['run', '--strict', tarball], { stdio: 'inherit' });
  execFileSync(
    'attw',
    ['--profile', 'esm-only', '--format', 'table-flipped', '--no-emoji', tarball],
    {
      stdio: 'inherit',
    },
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

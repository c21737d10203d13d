/**
 * Where dale looks for dataset files on disk, from options and environment variables.
 * @module
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Environment variables that configure dataset loading. */
export const ENV = {
  /** Root folder of local dataset copies, one sub-folder per dataset id (`$DALE_DATA_DIR/mnist/…`). */
  dataDir: 'DALE_DATA_DIR',
  /** The cache directory (downloads are stored in `<cache>/<dataset id>/`). */
  cache: 'DALE_CACHE',
  /** A mirror root replacing the canonical mirrors: files are fetched from `<root>/<dataset id>/<file>`. */
  mirror: 'DALE_DATA_MIRROR',
  /** Set to `1` (or `true`) to never download. */
  offline: 'DALE_OFFLINE',
} as const;

/** Environment variables to read (defaults to `process.env`; pass an object in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

/** The cache directory: `$DALE_CACHE`, else `$XDG_CACHE_HOME/dale`, else `~/.cache/dale`. */
export function defaultCacheDir(env: Env = process.env): string {
  if (env[ENV.cache]) return env[ENV.cache]!;
  if (env['XDG_CACHE_HOME']) return join(env['XDG_CACHE_HOME'], 'dale');
  return join(homedir(), '.cache', 'dale');
}

/** `$DALE_DATA_DIR`, or undefined. */
export function dataDirFromEnv(env: Env = process.env): string | undefined {
  return env[ENV.dataDir] || undefined;
}

/** Whether `$DALE_OFFLINE` forbids downloads. */
export function offlineFromEnv(env: Env = process.env): boolean {
  const value = env[ENV.offline]?.toLowerCase();
  return value === '1' || value === 'true' || value === 'yes';
}

/** The mirror base URL for `datasetId` under `$DALE_DATA_MIRROR`, or undefined. */
export function mirrorFromEnv(datasetId: string, env: Env = process.env): string | undefined {
  const root = env[ENV.mirror];
  if (!root) return undefined;
  return `${root.replace(/\/+$/, '')}/${datasetId}/`;
}

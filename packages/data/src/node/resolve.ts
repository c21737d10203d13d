/**
 * Finding a dataset's files: explicit folder → `$DALE_DATA_DIR/<id>` → cache → download.
 * @module
 */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetSpec, FileSpec } from '../catalog.ts';
import { DatasetFormatError, DatasetUnavailableError } from '../errors.ts';
import { algorithmName, checksumMismatch } from './checksum.ts';
import { downloadFile, type RetryOptions } from './download.ts';
import {
  dataDirFromEnv,
  defaultCacheDir,
  ENV,
  mirrorFromEnv,
  offlineFromEnv,
} from './locations.ts';

/** Where to look for a dataset's files and how to download missing ones. */
export interface SourceOptions extends RetryOptions {
  /** A folder holding this dataset's files directly (searched first). */
  readonly path?: string;
  /** A root folder with one sub-folder per dataset id; default `$DALE_DATA_DIR`. */
  readonly dataDir?: string;
  /** The cache root (files go to `<cacheDir>/<id>/`); default {@link defaultCacheDir}. */
  readonly cacheDir?: string;
  /** Download missing files; default true unless `$DALE_OFFLINE` is set. */
  readonly download?: boolean;
  /** Base URLs to download from, in order; default `$DALE_DATA_MIRROR/<id>/` if set, else the dataset's mirrors. */
  readonly mirrors?: readonly string[];
  /** Check files that have a known checksum (wherever they come from); default true. */
  readonly verify?: boolean;
}

/** A folder searched for dataset files. */
export interface SearchLocation {
  readonly dir: string;
  /** Where it came from, e.g. `'options.path'`, `'$DALE_DATA_DIR'`, `'cache'`. */
  readonly origin: string;
  /** Files in the cache may be replaced; files elsewhere belong to the user. */
  readonly isCache: boolean;
}

/** The folders searched for `spec`'s files, in order. */
export function searchLocations(spec: DatasetSpec, options: SourceOptions = {}): SearchLocation[] {
  const locations: SearchLocation[] = [];
  if (options.path) locations.push({ dir: options.path, origin: 'options.path', isCache: false });
  const dataDir = options.dataDir ?? dataDirFromEnv();
  if (dataDir) {
    locations.push({
      dir: join(dataDir, spec.id),
      origin: options.dataDir ? 'options.dataDir' : `$${ENV.dataDir}`,
      isCache: false,
    });
  }
  locations.push({
    dir: join(options.cacheDir ?? defaultCacheDir(), spec.id),
    origin: 'cache',
    isCache: true,
  });
  return locations;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Names a file may have on disk: as published, or decompressed (`x.gz` → `x`, raw IDX). */
function diskNames(file: FileSpec): { name: string; published: boolean }[] {
  const names = [{ name: file.name, published: true }];
  if (file.name.endsWith('.gz')) names.push({ name: file.name.slice(0, -3), published: false });
  return names;
}

async function findLocal(
  file: FileSpec,
  locations: readonly SearchLocation[],
  verify: boolean,
  notes: string[],
): Promise<string | undefined> {
  for (const location of locations) {
    for (const { name, published } of diskNames(file)) {
      const path = join(location.dir, name);
      if (!(await isFile(path))) continue;
      if (published && verify && file.checksum) {
        const actual = await checksumMismatch(path, file.checksum);
        if (actual !== undefined) {
          const algorithm = algorithmName(file.checksum);
          if (location.isCache) {
            await rm(path, { force: true });
            notes.push(`removed a corrupt cached ${path} (${algorithm} ${actual})`);
            continue;
          }
          throw new DatasetFormatError(
            path,
            `${algorithm} mismatch: expected ${file.checksum.value}, got ${actual}. This is not the published ${file.name} (corrupt, truncated or another version): replace it, or pass verify: false to use it anyway`,
          );
        }
      }
      return path;
    }
  }
  return undefined;
}

function unavailable(
  spec: DatasetSpec,
  missing: readonly FileSpec[],
  locations: readonly SearchLocation[],
  downloadNote: string,
  notes: readonly string[],
): DatasetUnavailableError {
  const names = missing.map((f) => f.name);
  const lines = [
    `${spec.title} (${spec.id}): ${names.length} file${names.length === 1 ? '' : 's'} missing: ${names.join(', ')}.`,
    'Looked in:',
    ...locations.map((l) => `  - ${l.dir} (${l.origin})`),
    downloadNote,
    ...notes.map((n) => `Note: ${n}`),
    `To use local copies, pass { path: '/folder/with/the/files' } to the loader, or set ${ENV.dataDir}=/path/to/datasets so that /path/to/datasets/${spec.id}/${names[0]} exists` +
      ` (a decompressed copy without .gz works too); downloads go to the cache (${ENV.cache}, else $XDG_CACHE_HOME/dale, else ~/.cache/dale).`,
  ];
  return new DatasetUnavailableError(
    spec.id,
    names,
    locations.map((l) => l.dir),
    lines.join('\n'),
  );
}

/**
 * The paths of `files` of `spec`, in order: found locally (and verified), else downloaded into
 * the cache (verified, atomically).
 *
 * @throws {DatasetUnavailableError} listing every missing file, every folder searched, why each
 * download failed and how to point dale at local copies.
 * @throws {DatasetFormatError} when a user-supplied copy fails its checksum.
 */
export async function resolveFiles(
  spec: DatasetSpec,
  files: readonly FileSpec[],
  options: SourceOptions = {},
): Promise<string[]> {
  const locations = searchLocations(spec, options);
  const verify = options.verify ?? true;
  const notes: string[] = [];
  const paths = new Map<string, string>();
  const missing: FileSpec[] = [];
  for (const file of files) {
    const path = await findLocal(file, locations, verify, notes);
    if (path) paths.set(file.name, path);
    else missing.push(file);
  }
  if (missing.length > 0) {
    const download = options.download ?? !offlineFromEnv();
    if (!download) {
      throw unavailable(
        spec,
        missing,
        locations,
        `Downloading is disabled (${options.download === false ? 'download: false' : `$${ENV.offline}`}).`,
        notes,
      );
    }
    const envMirror = mirrorFromEnv(spec.id);
    const mirrors = options.mirrors ?? (envMirror ? [envMirror] : spec.mirrors);
    const cache = locations.find((l) => l.isCache)!.dir;
    const failures: string[] = [];
    const stillMissing: FileSpec[] = [];
    for (const file of missing) {
      let done = false;
      for (const mirror of mirrors) {
        const url = mirror.endsWith('/') ? `${mirror}${file.name}` : `${mirror}/${file.name}`;
        const dest = join(cache, file.name);
        try {
          await downloadFile(url, dest, {
            ...options,
            checksum: verify ? file.checksum : undefined,
            expectedBytes: file.bytes,
          });
          paths.set(file.name, dest);
          done = true;
          break;
        } catch (error) {
          failures.push(`  - ${(error as Error).message}`);
        }
      }
      if (!done) stillMissing.push(file);
    }
    if (stillMissing.length > 0) {
      throw unavailable(
        spec,
        stillMissing,
        locations,
        mirrors.length
          ? ['Downloads failed:', ...failures].join('\n')
          : 'No mirror to download from.',
        notes,
      );
    }
  }
  return files.map((f) => paths.get(f.name)!);
}

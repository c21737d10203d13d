/**
 * Output paths of the commands, checked before any work: a directory where a file is wanted, a
 * path under a regular file, a virtual file system (/proc, /sys), the same file given twice, or a
 * file of another kind that would be overwritten are {@link UsageError}s that name the option.
 * @module
 */
import {
  accessSync,
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readSync,
  statfsSync,
  statSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.ts';

/** The file systems no run directory or output belongs on (`statfs` magic numbers). */
const VIRTUAL_FILE_SYSTEMS: Readonly<Record<number, string>> = {
  40864: 'proc',
  1650812274: 'sysfs',
  1684170528: 'debugfs',
  2613483: 'cgroup',
  1667723888: 'cgroup2',
};

/** The kinds of output file, recognised by their first bytes so that nothing else is overwritten. */
export type OutputKind = 'png' | 'json' | 'safetensors';

const LOOKS_LIKE: Readonly<Record<OutputKind, (head: Buffer) => boolean>> = {
  png: (head) => head.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])),
  json: (head) => /^\s*[{[]/.test(head.toString('latin1')),
  // An 8-byte little-endian header length, then the JSON header.
  safetensors: (head) => head.length >= 9 && head[8] === 0x7b,
};

function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function firstBytes(path: string, count: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(count);
    return buffer.subarray(0, readSync(fd, buffer, 0, count, 0));
  } finally {
    closeSync(fd);
  }
}

/** Where an option's path goes wrong: `--out X` of `dale train`. */
interface Where {
  /** The option, e.g. `'out'`. */
  readonly option: string;
  /** The command, e.g. `'train'`. */
  readonly command: string;
}

function fail(where: Where, path: string, problem: string): never {
  throw new UsageError(
    `option --${where.option} of 'dale ${where.command}': ${path} ${problem}`,
    where.command,
  );
}

/**
 * Make the directory `dir` and its missing parents, one level at a time (Node's recursive
 * `mkdir` never returns under /proc), after checking that it can be made: no part of the path is
 * a regular file, the nearest existing folder is writable and on a real file system.
 */
export function ensureDirectory(dir: string, where: Where, forFile?: string): void {
  const label = forFile ?? dir;
  const target = resolve(dir);
  const missing: string[] = [];
  let existing = target;
  let info = statOf(existing);
  while (!info) {
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
    info = statOf(existing);
  }
  if (info && !info.isDirectory()) {
    fail(
      where,
      label,
      existing === target && forFile === undefined
        ? 'is a file, not a folder: choose a folder'
        : `cannot be ${forFile === undefined ? 'made' : 'written'}: ${existing} is a file, not a folder`,
    );
  }
  let fsType: number | undefined;
  try {
    fsType = Number(statfsSync(existing).type);
  } catch {
    fsType = undefined;
  }
  const virtual = fsType === undefined ? undefined : VIRTUAL_FILE_SYSTEMS[fsType];
  if (virtual) {
    fail(
      where,
      label,
      `is on the ${virtual} virtual file system (${existing}), which holds no files: choose a folder on a disk`,
    );
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    fail(where, label, `cannot be written: ${existing} is not writable`);
  }
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && statOf(path)?.isDirectory())
        continue;
      fail(where, label, `cannot be made: ${(error as Error).message}`);
    }
  }
}

/** Options of {@link checkOutputFile}. */
export interface OutputFileCheck extends Where {
  /** What the file will hold: an existing file of another kind is refused. */
  readonly kind: OutputKind;
  /** Overwrite an existing file of another kind (`--force`). */
  readonly force?: boolean;
}

/**
 * Check, before any work, that `path` can take an output file: it is not a folder, its folder
 * exists or can be made (it is made now), and an existing file there is of the same kind
 * (a PNG for a PNG, …) unless `force`.
 */
export function checkOutputFile(path: string, check: OutputFileCheck): void {
  const info = statOf(path);
  if (info?.isDirectory()) {
    fail(
      check,
      path,
      'is a folder: name a file, e.g. ' +
        `${path.replace(/\/+$/, '')}/out.${check.kind === 'safetensors' ? 'safetensors' : check.kind}`,
    );
  }
  ensureDirectory(dirname(path), check, path);
  if (info && !check.force) {
    if (!info.isFile()) fail(check, path, 'exists and is not a regular file');
    if (info.size > 0 && !LOOKS_LIKE[check.kind](firstBytes(path, 16))) {
      fail(
        check,
        path,
        `exists and is not a ${check.kind === 'json' ? 'JSON' : check.kind === 'png' ? 'PNG' : 'safetensors'} file: refusing to overwrite it (choose another name, or pass --force)`,
      );
    }
  }
  if (info) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      fail(check, path, 'cannot be written (no write permission)');
    }
  }
}

/** Refuse two options that name the same file, e.g. `--out x.png --strip x.png`. */
export function checkDistinctFiles(
  command: string,
  files: ReadonlyArray<readonly [option: string, path: string | undefined]>,
): void {
  const seen = new Map<string, string>();
  for (const [option, path] of files) {
    if (path === undefined) continue;
    const key = resolve(path);
    const other = seen.get(key);
    if (other !== undefined) {
      throw new UsageError(
        `options --${other} and --${option} of 'dale ${command}' name the same file ${path}: one would overwrite the other; choose two names`,
        command,
      );
    }
    seen.set(key, option);
  }
}

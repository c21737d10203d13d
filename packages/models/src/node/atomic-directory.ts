/**
 * Writing a directory of files atomically on a POSIX file system.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The prefix of the sibling a replaced directory is moved to while it is swapped out
 * (`<dir>.old-<random>`); {@link writeDirectoryAtomic} removes it once the new directory is in place.
 */
export const REPLACED_SUFFIX = '.old-';

/**
 * Write `files` (name → bytes or text) as the directory `dir`, replacing any directory there,
 * so that a crash at any point leaves either the complete previous directory or the complete new
 * one:
 *
 * 1. every file is written into a fresh sibling `<dir>.tmp-<random>` and fsynced, then that
 *    directory is fsynced (its entries are durable);
 * 2. if `dir` exists, it is renamed to `<dir>.old-<random>`; the temporary directory is renamed
 *    to `dir`; the parent is fsynced; the old directory is deleted.
 *
 * Renames within one directory are atomic, so `dir` is never a mixture of the two. The one
 * window is between the two renames of step 2 (two system calls): a crash there leaves no `dir`,
 * with the previous version complete at `<dir>.old-<random>` (and the new one complete at
 * `<dir>.tmp-<random>`). A crash during step 1 leaves `dir` untouched and a stray `.tmp-`
 * directory. Before anything is replaced, `canReplace(dir)` is awaited; it should throw to refuse.
 */
export async function writeDirectoryAtomic(
  dir: string,
  files: ReadonlyArray<readonly [string, Uint8Array | string]>,
  canReplace: (dir: string) => Promise<void> = async () => {},
): Promise<void> {
  const target = resolve(dir);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const temporary = join(parent, `${basename(target)}.tmp-${randomUUID()}`);
  await mkdir(temporary);
  let replaced: string | undefined;
  let swapped = false;
  try {
    for (const [name, content] of files) {
      const handle = await open(join(temporary, name), 'wx');
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    await fsyncPath(temporary);
    if (await exists(target)) {
      await canReplace(target);
      replaced = join(parent, `${basename(target)}${REPLACED_SUFFIX}${randomUUID()}`);
      await rename(target, replaced);
    }
    await rename(temporary, target);
    swapped = true;
    await fsyncPath(parent);
    if (replaced) await rm(replaced, { recursive: true, force: true });
  } catch (error) {
    // Put the previous directory back if it was moved away but the new one is not in place.
    if (replaced && !swapped) await rename(replaced, target).catch(() => {});
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

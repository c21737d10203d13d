/**
 * Atomic file writes: data goes to a temporary file in the destination's folder, is flushed to
 * disk (fsync) and renamed over the destination only when complete, so a reader never sees a
 * partial or unverified file.
 * @module
 */
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** A file being written; {@link AtomicFile.commit} publishes it, {@link AtomicFile.abort} discards it. */
export class AtomicFile {
  /** The final path. */
  readonly path: string;
  /** The temporary path written to until commit. */
  readonly temporaryPath: string;
  readonly #handle: FileHandle;
  #done = false;

  private constructor(path: string, temporaryPath: string, handle: FileHandle) {
    this.path = path;
    this.temporaryPath = temporaryPath;
    this.#handle = handle;
  }

  /** Open a temporary file next to `path` (creating the folder). */
  static async create(path: string): Promise<AtomicFile> {
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    counter += 1;
    const temporaryPath = join(
      dir,
      `.${basename(path)}.${process.pid}.${Date.now()}.${counter}.part`,
    );
    const handle = await open(temporaryPath, 'wx');
    return new AtomicFile(path, temporaryPath, handle);
  }

  /** Append bytes. */
  async write(chunk: Uint8Array): Promise<void> {
    let written = 0;
    while (written < chunk.length) {
      const { bytesWritten } = await this.#handle.write(chunk, written, chunk.length - written);
      written += bytesWritten;
    }
  }

  /** fsync, close and rename over the destination; then fsync the folder (best effort). */
  async commit(): Promise<void> {
    if (this.#done) throw new Error(`AtomicFile ${this.path}: already finished`);
    this.#done = true;
    try {
      await this.#handle.sync();
      await this.#handle.close();
      await rename(this.temporaryPath, this.path);
    } catch (error) {
      await rm(this.temporaryPath, { force: true });
      throw error;
    }
    try {
      const dir = await open(dirname(this.path), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch {
      // Some platforms cannot fsync a directory; the rename itself is still atomic.
    }
  }

  /** Close and delete the temporary file. Safe to call more than once. */
  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#handle.close().catch(() => {});
    await rm(this.temporaryPath, { force: true });
  }
}

/** Write `bytes` to `path` atomically. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const file = await AtomicFile.create(path);
  try {
    await file.write(bytes);
    await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}

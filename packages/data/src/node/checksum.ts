/**
 * File checksums with Node's crypto (SHA-256 or MD5, streamed).
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Checksum } from '../catalog.ts';

/** A running hash for `checksum`'s algorithm. */
export function createChecksumHash(checksum: Checksum): Hash {
  return createHash(checksum.algorithm);
}

/** Name of the algorithm as people write it. */
export function algorithmName(checksum: Checksum): string {
  return checksum.algorithm === 'sha256' ? 'SHA-256' : 'MD5';
}

/** The hex digest of a file, streamed. */
export async function hashFile(path: string, algorithm: Checksum['algorithm']): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The file's digest when it differs from `checksum`, else undefined. */
export async function checksumMismatch(
  path: string,
  checksum: Checksum,
): Promise<string | undefined> {
  const actual = await hashFile(path, checksum.algorithm);
  return actual === checksum.value.toLowerCase() ? undefined : actual;
}

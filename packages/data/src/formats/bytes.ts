/**
 * Bounds-checked reads shared by the binary readers: every read names the file and what was
 * being read when the bytes run out.
 * @module
 */
import { DatasetFormatError } from '../errors.ts';

/** Throw a {@link DatasetFormatError} unless `bytes` holds `length` bytes from `offset`. */
export function requireBytes(
  bytes: Uint8Array,
  offset: number,
  length: number,
  file: string,
  what: string,
): void {
  if (offset < 0 || length < 0 || offset + length > bytes.length) {
    throw new DatasetFormatError(
      file,
      `truncated: ${what} needs bytes ${offset}..${offset + length} but the file has only ${bytes.length} bytes`,
    );
  }
}

/** Unsigned 32-bit big-endian integer at `offset` (caller checks bounds). */
export function u32be(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) |
      (bytes[offset + 1]! << 16) |
      (bytes[offset + 2]! << 8) |
      bytes[offset + 3]!) >>>
    0
  );
}

/** Unsigned 32-bit little-endian integer at `offset` (caller checks bounds). */
export function u32le(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! |
      (bytes[offset + 1]! << 8) |
      (bytes[offset + 2]! << 16) |
      (bytes[offset + 3]! << 24)) >>>
    0
  );
}

/** Unsigned 16-bit little-endian integer at `offset` (caller checks bounds). */
export function u16le(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8);
}

/** Unsigned 64-bit little-endian integer at `offset` as a number (exact below 2⁵³). */
export function u64le(bytes: Uint8Array, offset: number): number {
  return u32le(bytes, offset) + u32le(bytes, offset + 4) * 4294967296;
}

/** `n` as 0x-prefixed hex with `digits` digits. */
export function hex(n: number, digits = 8): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
}

/**
 * The largest ratio of output to input that DEFLATE can reach: a 258-byte match costs at least
 * two bits, so 1032:1. Used to reject headers that declare more decompressed bytes than the
 * compressed data could hold, before allocating anything.
 */
export const MAX_DEFLATE_RATIO = 1032;

/** Upper bound on the inflated size of `compressedBytes` bytes of DEFLATE data. */
export function maxInflatedSize(compressedBytes: number): number {
  return compressedBytes * MAX_DEFLATE_RATIO + 1024;
}

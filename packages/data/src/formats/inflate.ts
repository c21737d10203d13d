/**
 * Raw DEFLATE and zlib streams inflated into a buffer of known size, over fflate.
 * @module
 */
import { inflateSync, unzlibSync } from 'fflate';
import { DatasetFormatError } from '../errors.ts';

function run(
  decode: (data: Uint8Array, out: Uint8Array) => Uint8Array,
  data: Uint8Array,
  expected: number,
  file: string,
  what: string,
): Uint8Array {
  // One spare byte: fflate never grows a caller's buffer, so an output that fills the spare byte
  // proves the stream holds more than `expected` bytes.
  let out: Uint8Array;
  try {
    out = decode(data, new Uint8Array(expected + 1));
  } catch (error) {
    throw new DatasetFormatError(
      file,
      `corrupt or truncated ${what} (${(error as Error).message})`,
      {
        cause: error,
      },
    );
  }
  if (out.length !== expected) {
    throw new DatasetFormatError(
      file,
      `${what} inflates to ${out.length > expected ? `more than ${expected}` : out.length} bytes but ${expected} were declared: the file is truncated or corrupt`,
    );
  }
  return out;
}

/**
 * Inflate a raw DEFLATE stream that must produce exactly `expected` bytes. The caller bounds
 * `expected` (see `maxInflatedSize`) before calling.
 * @throws {DatasetFormatError} when the stream is corrupt or its length differs.
 */
export function inflateExactly(
  data: Uint8Array,
  expected: number,
  file: string,
  what: string,
): Uint8Array {
  return run((d, out) => inflateSync(d, { out }), data, expected, file, what);
}

/** `inflateExactly` for a zlib-wrapped stream (RFC 1950), as in PNG. */
export function unzlibExactly(
  data: Uint8Array,
  expected: number,
  file: string,
  what: string,
): Uint8Array {
  return run((d, out) => unzlibSync(d, { out }), data, expected, file, what);
}

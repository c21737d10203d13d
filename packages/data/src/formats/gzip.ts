/**
 * gzip (RFC 1952) over fflate's pure-JS inflate, with every header field checked and the size
 * bounded before anything is allocated.
 * @module
 */
import { DatasetFormatError } from '../errors.ts';
import { maxInflatedSize, requireBytes, u32le } from './bytes.ts';
import { crc32 } from './crc32.ts';
import { inflateExactly } from './inflate.ts';

/** Default cap on a decompressed file: 1 GiB. */
export const DEFAULT_MAX_INFLATED_BYTES = 2 ** 30;

/** Options of {@link gunzip}. */
export interface GunzipOptions {
  /** Refuse files that declare more decompressed bytes than this; default 1 GiB. */
  maxBytes?: number;
}

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

const FTEXT_RESERVED = 0xe0;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

function skipZeroTerminated(bytes: Uint8Array, offset: number, file: string, what: string): number {
  const end = bytes.indexOf(0, offset);
  if (end < 0 || end >= bytes.length - 8) {
    throw new DatasetFormatError(file, `truncated gzip header: the ${what} field has no end`);
  }
  return end + 1;
}

/** Offset of the DEFLATE stream after the gzip header. */
function headerLength(bytes: Uint8Array, file: string): number {
  requireBytes(bytes, 0, 18, file, 'a gzip header and trailer');
  if (!isGzip(bytes)) {
    throw new DatasetFormatError(file, 'not a gzip file (it does not start with 1f 8b)');
  }
  if (bytes[2] !== 8) {
    throw new DatasetFormatError(
      file,
      `unsupported gzip compression method ${bytes[2]} (only 8, DEFLATE, exists)`,
    );
  }
  const flags = bytes[3]!;
  if (flags & FTEXT_RESERVED) {
    throw new DatasetFormatError(
      file,
      `corrupt gzip header: reserved flag bits set (0x${flags.toString(16)})`,
    );
  }
  let offset = 10;
  if (flags & FEXTRA) {
    requireBytes(bytes, offset, 2, file, 'the gzip extra-field length');
    const length = bytes[offset]! | (bytes[offset + 1]! << 8);
    offset += 2 + length;
  }
  if (flags & FNAME) offset = skipZeroTerminated(bytes, offset, file, 'file name');
  if (flags & FCOMMENT) offset = skipZeroTerminated(bytes, offset, file, 'comment');
  if (flags & FHCRC) offset += 2;
  if (offset + 8 > bytes.length) {
    throw new DatasetFormatError(file, 'truncated gzip file: the header runs into the trailer');
  }
  return offset;
}

/**
 * Decompress a single-member gzip file. Checks the header, refuses a declared size (ISIZE)
 * above `maxBytes` or above what the compressed data can hold, and checks that the data
 * inflates to exactly ISIZE bytes with the stored CRC-32.
 *
 * @throws {DatasetFormatError} naming `file` and the problem, for any malformed input.
 */
export function gunzip(bytes: Uint8Array, file: string, options: GunzipOptions = {}): Uint8Array {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  const start = headerLength(bytes, file);
  const end = bytes.length - 8;
  const storedCrc = u32le(bytes, end);
  const declared = u32le(bytes, end + 4);
  const compressed = end - start;
  if (declared > maxInflatedSize(compressed)) {
    throw new DatasetFormatError(
      file,
      `gzip trailer declares ${declared} decompressed bytes, more than ${compressed} compressed bytes can hold: the file is truncated or corrupt`,
    );
  }
  if (declared > maxBytes) {
    throw new DatasetFormatError(
      file,
      `gzip trailer declares ${declared} decompressed bytes, more than the limit of ${maxBytes} (maxBytes): the file looks truncated (a cut-short download ends in compressed data, which is then read as the trailer) or corrupt; download or copy it again`,
    );
  }
  const out = inflateExactly(bytes.subarray(start, end), declared, file, 'gzip data');
  const actualCrc = crc32(out);
  if (actualCrc !== storedCrc) {
    throw new DatasetFormatError(
      file,
      `gzip CRC-32 mismatch (stored ${storedCrc.toString(16)}, computed ${actualCrc.toString(16)}): the file is corrupt`,
    );
  }
  return out;
}

/** {@link gunzip} when `bytes` starts with the gzip magic number, else `bytes` unchanged. */
export function maybeGunzip(
  bytes: Uint8Array,
  file: string,
  options: GunzipOptions = {},
): Uint8Array {
  return isGzip(bytes) ? gunzip(bytes, file, options) : bytes;
}

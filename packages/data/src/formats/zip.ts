/**
 * A minimal zip reader (PKWARE APPNOTE): the central directory (with zip64 records), local
 * headers, stored and DEFLATE entries, CRC-32 checked. Enough for NumPy's .npz files.
 * @module
 */
import { DatasetFormatError } from '../errors.ts';
import { maxInflatedSize, requireBytes, u16le, u32le, u64le } from './bytes.ts';
import { crc32 } from './crc32.ts';
import { DEFAULT_MAX_INFLATED_BYTES } from './gzip.ts';
import { inflateExactly } from './inflate.ts';

/** One file in a zip archive; {@link ZipEntry.read} decompresses it. */
export interface ZipEntry {
  readonly name: string;
  /** Compressed size in bytes. */
  readonly compressedSize: number;
  /** Uncompressed size in bytes (from the central directory). */
  readonly size: number;
  /** Decompress and CRC-check the entry. */
  read(): Uint8Array;
}

/** Options of {@link readZip}. */
export interface ZipOptions {
  /** Refuse archives with more entries than this; default 4096. */
  maxEntries?: number;
  /** Refuse entries larger than this when uncompressed; default 1 GiB. */
  maxEntryBytes?: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function findEndOfCentralDirectory(bytes: Uint8Array, file: string): number {
  const last = bytes.length - 22;
  const first = Math.max(0, last - 0xffff);
  for (let offset = last; offset >= first; offset--) {
    if (u32le(bytes, offset) === EOCD && offset + 22 + u16le(bytes, offset + 20) === bytes.length) {
      return offset;
    }
  }
  throw new DatasetFormatError(
    file,
    'not a zip archive, or truncated: no end-of-central-directory record',
  );
}

/**
 * List the entries of a zip archive. Sizes and offsets come from the central directory and are
 * checked against the archive before anything is decompressed.
 *
 * @throws {DatasetFormatError} for a malformed or truncated archive, encryption, multi-disk
 * archives, unknown compression or an entry larger than `maxEntryBytes`.
 */
export function readZip(bytes: Uint8Array, file: string, options: ZipOptions = {}): ZipEntry[] {
  const maxEntries = options.maxEntries ?? 4096;
  const maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  requireBytes(bytes, 0, 22, file, 'a zip end-of-central-directory record');
  const eocd = findEndOfCentralDirectory(bytes, file);
  if (u16le(bytes, eocd + 4) !== 0 || u16le(bytes, eocd + 6) !== 0) {
    throw new DatasetFormatError(file, 'multi-disk zip archives are not supported');
  }
  let count = u16le(bytes, eocd + 10);
  let directorySize = u32le(bytes, eocd + 12);
  let directoryOffset = u32le(bytes, eocd + 16);
  let directoryEnd = eocd;
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || u32le(bytes, locator) !== ZIP64_LOCATOR) {
      throw new DatasetFormatError(
        file,
        'corrupt zip: a zip64 archive without a zip64 end-of-central-directory locator',
      );
    }
    const record = u64le(bytes, locator + 8);
    if (record + 56 > locator || u32le(bytes, record) !== ZIP64_EOCD) {
      throw new DatasetFormatError(
        file,
        'corrupt zip: the zip64 end-of-central-directory record is missing',
      );
    }
    count = u64le(bytes, record + 32);
    directorySize = u64le(bytes, record + 40);
    directoryOffset = u64le(bytes, record + 48);
    directoryEnd = record;
  }
  if (count > maxEntries) {
    throw new DatasetFormatError(
      file,
      `zip archive declares ${count} entries, more than the limit of ${maxEntries}`,
    );
  }
  if (directoryOffset + directorySize > directoryEnd) {
    throw new DatasetFormatError(
      file,
      `corrupt or truncated zip: the central directory (${directorySize} bytes at ${directoryOffset}) overruns the end record at ${directoryEnd}`,
    );
  }
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let offset = directoryOffset;
  for (let i = 0; i < count; i++) {
    requireBytes(bytes, offset, 46, file, `zip central-directory entry ${i}`);
    if (offset + 46 > directoryEnd || u32le(bytes, offset) !== CENTRAL) {
      throw new DatasetFormatError(
        file,
        `corrupt zip: central-directory entry ${i} at ${offset} has a bad signature`,
      );
    }
    const flags = u16le(bytes, offset + 8);
    const method = u16le(bytes, offset + 10);
    const crc = u32le(bytes, offset + 16);
    let compressedSize = u32le(bytes, offset + 20);
    let size = u32le(bytes, offset + 24);
    const nameLength = u16le(bytes, offset + 28);
    const extraLength = u16le(bytes, offset + 30);
    const commentLength = u16le(bytes, offset + 32);
    let localOffset = u32le(bytes, offset + 42);
    const next = offset + 46 + nameLength + extraLength + commentLength;
    if (next > directoryEnd) {
      throw new DatasetFormatError(
        file,
        `corrupt zip: central-directory entry ${i} overruns the directory`,
      );
    }
    const name = new TextDecoder().decode(bytes.subarray(offset + 46, offset + 46 + nameLength));
    // zip64 extended information: the fields that are 0xffffffff, in this order.
    let extra = offset + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = u16le(bytes, extra);
      const length = u16le(bytes, extra + 2);
      if (extra + 4 + length > extraEnd) {
        throw new DatasetFormatError(
          file,
          `corrupt zip: an extra field of entry '${name}' overruns its entry`,
        );
      }
      if (id === 0x0001) {
        let field = extra + 4;
        const take = (): number => {
          if (field + 8 > extra + 4 + length) {
            throw new DatasetFormatError(
              file,
              `corrupt zip: the zip64 field of entry '${name}' is too short`,
            );
          }
          const value = u64le(bytes, field);
          field += 8;
          return value;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      extra += 4 + length;
    }
    if (flags & 0x41) throw new DatasetFormatError(file, `zip entry '${name}' is encrypted`);
    if (method !== 0 && method !== 8) {
      throw new DatasetFormatError(
        file,
        `zip entry '${name}' uses compression method ${method} (dale reads stored and DEFLATE entries)`,
      );
    }
    if (names.has(name)) throw new DatasetFormatError(file, `zip archive holds '${name}' twice`);
    names.add(name);
    if (size > maxEntryBytes) {
      throw new DatasetFormatError(
        file,
        `zip entry '${name}' declares ${size} bytes, more than the limit of ${maxEntryBytes}`,
      );
    }
    if (method === 0 ? size !== compressedSize : size > maxInflatedSize(compressedSize)) {
      throw new DatasetFormatError(
        file,
        `corrupt zip: entry '${name}' declares ${size} bytes from ${compressedSize} ${method === 0 ? 'stored' : 'compressed'} bytes`,
      );
    }
    const entrySize = size;
    const entryCompressed = compressedSize;
    const entryLocal = localOffset;
    entries.push({
      name,
      compressedSize,
      size,
      read: () =>
        readEntry(
          bytes,
          file,
          name,
          entryLocal,
          method,
          entryCompressed,
          entrySize,
          crc,
          directoryOffset,
        ),
    });
    offset = next;
  }
  return entries;
}

function readEntry(
  bytes: Uint8Array,
  file: string,
  name: string,
  localOffset: number,
  method: number,
  compressedSize: number,
  size: number,
  crc: number,
  dataLimit: number,
): Uint8Array {
  requireBytes(bytes, localOffset, 30, file, `the local header of zip entry '${name}'`);
  if (u32le(bytes, localOffset) !== LOCAL) {
    throw new DatasetFormatError(
      file,
      `corrupt zip: the local header of entry '${name}' at ${localOffset} has a bad signature`,
    );
  }
  const start = localOffset + 30 + u16le(bytes, localOffset + 26) + u16le(bytes, localOffset + 28);
  if (start + compressedSize > dataLimit) {
    throw new DatasetFormatError(
      file,
      `corrupt or truncated zip: the data of entry '${name}' (${compressedSize} bytes at ${start}) overruns the central directory at ${dataLimit}`,
    );
  }
  const data = bytes.subarray(start, start + compressedSize);
  const out = method === 0 ? data : inflateExactly(data, size, file, `zip entry '${name}'`);
  const actual = crc32(out);
  if (actual !== crc) {
    throw new DatasetFormatError(
      file,
      `zip entry '${name}': CRC-32 mismatch (stored ${crc.toString(16)}, computed ${actual.toString(16)}): the archive is corrupt`,
    );
  }
  return out;
}

/**
 * Zip archives (as NumPy's .npz files) read with fflate's `unzipSync`: it finds the entries (zip64
 * included) and inflates them. fflate checks neither CRC-32 nor sizes, so dale does: every entry's
 * declared size is bounded before it is inflated, and its bytes must have that size and the CRC-32
 * the central directory records.
 * @module
 */
import { type UnzipFileInfo, unzipSync } from 'fflate';
import { DatasetFormatError } from '../errors.ts';
import { maxInflatedSize, requireBytes, u16le, u32le, u64le } from './bytes.ts';
import { crc32 } from './crc32.ts';
import { DEFAULT_MAX_INFLATED_BYTES } from './gzip.ts';

/** One file in a zip archive; {@link ZipEntry.read} decompresses it. */
export interface ZipEntry {
  readonly name: string;
  /** Compressed size in bytes. */
  readonly compressedSize: number;
  /** Uncompressed size in bytes (from the central directory). */
  readonly size: number;
  /** Decompress the entry and check its size and CRC-32. */
  read(): Uint8Array;
}

/** Options of {@link readZip}. */
export interface ZipOptions {
  /** Refuse archives with more entries than this; default 4096. */
  maxEntries?: number;
  /** Refuse entries larger than this when uncompressed; default 1 GiB. */
  maxEntryBytes?: number;
}

/** `unzipSync` with every failure of fflate's (malformed input) as a {@link DatasetFormatError}. */
function unzip(
  bytes: Uint8Array,
  file: string,
  filter: (info: UnzipFileInfo) => boolean,
): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes, { filter });
  } catch (error) {
    if (error instanceof DatasetFormatError) throw error;
    throw new DatasetFormatError(
      file,
      `not a zip archive, or corrupt or truncated (${(error as Error).message})`,
      { cause: error },
    );
  }
}

/**
 * The general-purpose flags and CRC-32 of each central-directory record, in order: what fflate
 * does not report. Offsets are those fflate itself reads (end record, zip64 end record).
 */
function centralRecords(bytes: Uint8Array, file: string, count: number) {
  let eocd = bytes.length - 22;
  while (eocd >= 0 && u32le(bytes, eocd) !== 0x06054b50) eocd--;
  requireBytes(bytes, Math.max(eocd, 0), 22, file, 'a zip end-of-central-directory record');
  let offset = u32le(bytes, eocd + 16);
  if (eocd >= 20 && u32le(bytes, eocd - 20) === 0x07064b50) {
    const record = u64le(bytes, eocd - 12);
    requireBytes(bytes, record, 56, file, 'the zip64 end-of-central-directory record');
    if (u32le(bytes, record) === 0x06064b50) offset = u64le(bytes, record + 48);
  }
  const records: { flags: number; crc: number }[] = [];
  for (let i = 0; i < count; i++) {
    requireBytes(bytes, offset, 46, file, `zip central-directory entry ${i}`);
    records.push({ flags: u16le(bytes, offset + 8), crc: u32le(bytes, offset + 16) });
    offset +=
      46 + u16le(bytes, offset + 28) + u16le(bytes, offset + 30) + u16le(bytes, offset + 32);
  }
  return records;
}

/**
 * List the entries of a zip archive. Sizes come from the central directory and are bounded
 * before anything is decompressed.
 *
 * @throws {DatasetFormatError} for a malformed or truncated archive, encryption, unknown
 * compression, a name held twice, more than `maxEntries` entries or an entry larger than
 * `maxEntryBytes`.
 */
export function readZip(bytes: Uint8Array, file: string, options: ZipOptions = {}): ZipEntry[] {
  const maxEntries = options.maxEntries ?? 4096;
  const maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  const infos: UnzipFileInfo[] = [];
  const names = new Set<string>();
  // Listing only: the filter checks each entry and declines it, so nothing is inflated here.
  unzip(bytes, file, (info) => {
    const { name, size: compressed, originalSize: size, compression: method } = info;
    if (infos.length === maxEntries) {
      throw new DatasetFormatError(
        file,
        `zip archive holds more than the limit of ${maxEntries} entries`,
      );
    }
    if (method !== 0 && method !== 8) {
      throw new DatasetFormatError(
        file,
        `zip entry '${name}' uses compression method ${method} (dale reads stored and DEFLATE entries)`,
      );
    }
    if (names.has(name)) throw new DatasetFormatError(file, `zip archive holds '${name}' twice`);
    if (size > maxEntryBytes) {
      throw new DatasetFormatError(
        file,
        `zip entry '${name}' declares ${size} bytes, more than the limit of ${maxEntryBytes}`,
      );
    }
    if (method === 0 ? size !== compressed : size > maxInflatedSize(compressed)) {
      throw new DatasetFormatError(
        file,
        `corrupt zip: entry '${name}' declares ${size} bytes from ${compressed} ${method === 0 ? 'stored' : 'compressed'} bytes`,
      );
    }
    names.add(name);
    infos.push(info);
    return false;
  });
  const records = centralRecords(bytes, file, infos.length);
  return infos.map((info, i) => {
    const { flags, crc } = records[i]!;
    if (flags & 0x41) throw new DatasetFormatError(file, `zip entry '${info.name}' is encrypted`);
    return {
      name: info.name,
      compressedSize: info.size,
      size: info.originalSize,
      read: () => readEntry(bytes, file, info, crc),
    };
  });
}

function readEntry(bytes: Uint8Array, file: string, info: UnzipFileInfo, crc: number): Uint8Array {
  const { name, originalSize: size } = info;
  const out = unzip(bytes, file, (entry) => entry.name === name)[name];
  if (out === undefined || out.length !== size) {
    throw new DatasetFormatError(
      file,
      `corrupt or truncated zip: entry '${name}' gave ${out?.length ?? 0} bytes but ${size} were declared`,
    );
  }
  const actual = crc32(out);
  if (actual !== crc) {
    throw new DatasetFormatError(
      file,
      `zip entry '${name}': CRC-32 mismatch (stored ${crc.toString(16)}, computed ${actual.toString(16)}): the archive is corrupt`,
    );
  }
  return out;
}

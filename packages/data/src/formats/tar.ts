/**
 * A minimal tar reader: POSIX ustar headers (and GNU's variant) in 512-byte blocks, with the
 * header checksum verified, pax `path` records and GNU long names, octal or base-256 sizes.
 * @module
 */
import { DatasetFormatError } from '../errors.ts';

/** One member of a tar archive. */
export interface TarEntry {
  /** Path inside the archive (ustar prefix and name joined, or the pax/GNU long name). */
  readonly name: string;
  /** `'file'`, `'directory'` or `'other'` (links, devices, FIFOs). */
  readonly type: 'file' | 'directory' | 'other';
  readonly size: number;
  /** The member's bytes (a view into the archive). */
  readonly data: Uint8Array;
}

const BLOCK = 512;

function text(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(start, end));
}

function numeric(
  header: Uint8Array,
  start: number,
  length: number,
  file: string,
  at: number,
  field: string,
): number {
  if (header[start]! & 0x80) {
    // GNU base-256: big-endian two's complement with the top bit as a marker.
    if (header[start]! & 0x40)
      throw new DatasetFormatError(file, `tar header at ${at}: negative ${field}`);
    let value = header[start]! & 0x3f;
    for (let i = 1; i < length; i++) value = value * 256 + header[start + i]!;
    if (!Number.isSafeInteger(value))
      throw new DatasetFormatError(file, `tar header at ${at}: ${field} is too large`);
    return value;
  }
  const raw = text(header, start, length).trim();
  if (raw === '') return 0;
  if (!/^[0-7]+$/.test(raw)) {
    throw new DatasetFormatError(
      file,
      `tar header at ${at}: ${field} ${JSON.stringify(raw)} is not an octal number`,
    );
  }
  return Number.parseInt(raw, 8);
}

function paxPath(data: Uint8Array, file: string, at: number): string | undefined {
  // Records are "<length> <key>=<value>\n", the length counting bytes of the whole record.
  let pos = 0;
  let path: string | undefined;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const digits = space < 0 ? '' : new TextDecoder().decode(data.subarray(pos, space));
    const length = /^[0-9]{1,9}$/.test(digits) ? Number(digits) : 0;
    if (
      length <= space - pos + 1 ||
      pos + length > data.length ||
      data[pos + length - 1] !== 0x0a
    ) {
      throw new DatasetFormatError(
        file,
        `tar pax header at ${at}: malformed record at byte ${pos}`,
      );
    }
    const record = new TextDecoder().decode(data.subarray(space + 1, pos + length - 1));
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    pos += length;
  }
  return path;
}

/**
 * Read every member of an (uncompressed) tar archive.
 * @throws {DatasetFormatError} for a bad header checksum, a malformed field, a member that runs
 * past the end, or a missing end-of-archive block.
 */
export function readTar(bytes: Uint8Array, file: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  for (;;) {
    if (offset + BLOCK > bytes.length) {
      throw new DatasetFormatError(
        file,
        offset >= bytes.length
          ? `truncated tar archive: no end-of-archive block after ${bytes.length} bytes`
          : `truncated tar archive: a partial ${bytes.length - offset}-byte block at ${offset}`,
      );
    }
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return entries;
    const stored = numeric(header, 148, 8, file, offset, 'checksum');
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < BLOCK; i++) {
      const b = i >= 148 && i < 156 ? 0x20 : header[i]!;
      unsigned += b;
      signed += b > 127 ? b - 256 : b;
    }
    if (stored !== unsigned && stored !== signed) {
      throw new DatasetFormatError(
        file,
        `tar header at ${offset}: checksum mismatch (stored ${stored}, computed ${unsigned}): the archive is corrupt`,
      );
    }
    const size = numeric(header, 124, 12, file, offset, 'size');
    const typeflag = String.fromCharCode(header[156]!);
    const dataStart = offset + BLOCK;
    if (dataStart + Math.ceil(size / BLOCK) * BLOCK > bytes.length) {
      throw new DatasetFormatError(
        file,
        `truncated tar archive: the member at ${offset} declares ${size} bytes (padded to 512-byte blocks) but only ${bytes.length - dataStart} remain`,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    const ustar = text(header, 257, 6).startsWith('ustar');
    const prefix = ustar ? text(header, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    if (typeflag === 'x') longName = paxPath(data, file, offset);
    else if (typeflag === 'L') longName = text(data, 0, data.length);
    else if (typeflag !== 'g') {
      const type =
        typeflag === '0' || typeflag === '\0' || typeflag === '7'
          ? 'file'
          : typeflag === '5'
            ? 'directory'
            : 'other';
      entries.push({ name, type, size, data });
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
}

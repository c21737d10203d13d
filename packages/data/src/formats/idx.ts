/**
 * The IDX format of LeCun's MNIST page (also Fashion-MNIST and KMNIST): a big-endian header
 * 0x00 0x00 <type> <rank>, one uint32 per dimension, then the row-major data. gzip-compressed
 * files are recognised by their magic number and decompressed first.
 * @module
 */
import { DatasetFormatError } from '../errors.ts';
import { hex, requireBytes, u32be } from './bytes.ts';
import { type GunzipOptions, maybeGunzip } from './gzip.ts';

/** An IDX array of unsigned bytes. */
export interface IdxArray {
  /** The dimensions from the header, e.g. [60000, 28, 28]. */
  readonly dims: readonly number[];
  /** The data, row-major, exactly the product of `dims` bytes. */
  readonly data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  8: 'unsigned byte',
  9: 'signed byte',
  11: 'int16',
  12: 'int32',
  13: 'float32',
  14: 'float64',
};

/** Magic number of an IDX image file (uint8, rank 3). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX label file (uint8, rank 1). */
export const IDX_LABELS_MAGIC = 0x00000801;

/**
 * Parse an IDX file (raw or gzip-compressed) of unsigned bytes. The data size is checked
 * against the header before anything is allocated; no bytes may be missing or left over.
 *
 * @throws {DatasetFormatError} for a wrong magic number, an unsupported type, a truncated file
 * or trailing bytes.
 */
export function readIdx(bytes: Uint8Array, file: string, options: GunzipOptions = {}): IdxArray {
  const raw = maybeGunzip(bytes, file, options);
  requireBytes(raw, 0, 4, file, 'the IDX magic number');
  const magic = u32be(raw, 0);
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new DatasetFormatError(
      file,
      `wrong magic number ${hex(magic)}: an IDX file starts with two zero bytes, a type byte and the number of dimensions (${hex(IDX_IMAGES_MAGIC)} for images, ${hex(IDX_LABELS_MAGIC)} for labels)`,
    );
  }
  const type = raw[2]!;
  if (type !== 0x08) {
    const name = TYPE_NAMES[type];
    throw new DatasetFormatError(
      file,
      name
        ? `unsupported IDX data type ${hex(type, 2)} (${name}): dale reads unsigned-byte (0x08) IDX files`
        : `wrong magic number ${hex(magic)}: unknown IDX data type ${hex(type, 2)}`,
    );
  }
  const rank = raw[3]!;
  if (rank < 1 || rank > 4) {
    throw new DatasetFormatError(
      file,
      `wrong magic number ${hex(magic)}: ${rank} dimensions (dale reads IDX files with 1 to 4)`,
    );
  }
  requireBytes(raw, 4, 4 * rank, file, `the ${rank} IDX dimension sizes`);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const d = u32be(raw, 4 + 4 * i);
    dims.push(d);
    size *= d;
  }
  const header = 4 + 4 * rank;
  const available = raw.length - header;
  if (size > available) {
    throw new DatasetFormatError(
      file,
      `truncated: the header [${dims.join(', ')}] needs ${size} data bytes but only ${available} follow it`,
    );
  }
  if (size < available) {
    throw new DatasetFormatError(
      file,
      `${available - size} unexpected bytes after the ${size} data bytes of shape [${dims.join(', ')}]`,
    );
  }
  return { dims, data: raw.subarray(header) };
}

/** Images from an IDX file: [N, H, W] (one channel) or [N, H, W, C]. */
export interface IdxImages {
  readonly count: number;
  /** [H, W, C]. */
  readonly shape: readonly [number, number, number];
  /** N·H·W·C bytes, NHWC. */
  readonly pixels: Uint8Array;
}

/**
 * Read an IDX image file: rank 3 ([N, H, W], MNIST's 0x00000803) or rank 4 ([N, H, W, C]).
 * @throws {DatasetFormatError} for anything but a well-formed, non-empty image file.
 */
export function readIdxImages(
  bytes: Uint8Array,
  file: string,
  options: GunzipOptions = {},
): IdxImages {
  const { dims, data } = readIdx(bytes, file, options);
  if (dims.length !== 3 && dims.length !== 4) {
    throw new DatasetFormatError(
      file,
      `expected an image file (3 dimensions, magic ${hex(IDX_IMAGES_MAGIC)}) but found ${dims.length} dimension${dims.length === 1 ? ' (a label file?)' : 's'} [${dims.join(', ')}]`,
    );
  }
  const [count, height, width, channels = 1] = dims as [number, number, number, number?];
  if (count === 0) throw new DatasetFormatError(file, 'holds no images (count 0)');
  if (height === 0 || width === 0 || channels === 0) {
    throw new DatasetFormatError(file, `images of size [${dims.slice(1).join(', ')}] are empty`);
  }
  return { count, shape: [height, width, channels], pixels: data };
}

/**
 * Read an IDX label file (rank 1, MNIST's 0x00000801).
 * @throws {DatasetFormatError} for anything but a well-formed, non-empty label file.
 */
export function readIdxLabels(
  bytes: Uint8Array,
  file: string,
  options: GunzipOptions = {},
): Uint8Array {
  const { dims, data } = readIdx(bytes, file, options);
  if (dims.length !== 1) {
    throw new DatasetFormatError(
      file,
      `expected a label file (1 dimension, magic ${hex(IDX_LABELS_MAGIC)}) but found ${dims.length} dimensions [${dims.join(', ')}]${dims.length === 3 ? ' (an image file?)' : ''}`,
    );
  }
  if (dims[0] === 0) throw new DatasetFormatError(file, 'holds no labels (count 0)');
  return data;
}

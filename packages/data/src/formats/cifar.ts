/**
 * CIFAR-10's binary batches: records of 1 label byte then 3072 pixel bytes — the 1024 red
 * values, then 1024 green, then 1024 blue, each a row-major 32×32 plane.
 * @module
 */
import { DatasetFormatError } from '../errors.ts';

/** Image side of a CIFAR-10 record. */
export const CIFAR_SIDE = 32;
/** Bytes per CIFAR-10 record: 1 label byte + 3 × 1024 pixel bytes. */
export const CIFAR_RECORD_BYTES = 1 + 3 * CIFAR_SIDE * CIFAR_SIDE;
/** Records in each published CIFAR-10 batch file. */
export const CIFAR_RECORDS_PER_BATCH = 10_000;

/** A decoded CIFAR batch. */
export interface CifarBatch {
  readonly count: number;
  /** count × 32 × 32 × 3 bytes, NHWC. */
  readonly pixels: Uint8Array;
  readonly labels: Int32Array;
}

/** Options of {@link readCifarBatch}. */
export interface CifarBatchOptions {
  /** Labels must lie in [0, numClasses); default 10. */
  numClasses?: number;
  /** Require exactly this many records (the published batches hold 10,000); default: any. */
  records?: number;
}

/**
 * Decode a CIFAR-10 binary batch into NHWC pixels and labels.
 * @throws {DatasetFormatError} when the size is not a whole, positive number of records (or not
 * `records` records) or a label is out of range.
 */
export function readCifarBatch(
  bytes: Uint8Array,
  file: string,
  options: CifarBatchOptions = {},
): CifarBatch {
  const numClasses = options.numClasses ?? 10;
  const count = Math.floor(bytes.length / CIFAR_RECORD_BYTES);
  const extra = bytes.length % CIFAR_RECORD_BYTES;
  if (count === 0 || extra !== 0) {
    throw new DatasetFormatError(
      file,
      `${bytes.length} bytes is not a whole, positive number of ${CIFAR_RECORD_BYTES}-byte CIFAR-10 records (1 label byte + 3072 pixel bytes): ${count} complete record${count === 1 ? '' : 's'} and ${extra} bytes left over`,
    );
  }
  if (options.records !== undefined && count !== options.records) {
    throw new DatasetFormatError(
      file,
      `holds ${count} records, but a CIFAR-10 batch holds ${options.records}`,
    );
  }
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  const pixels = new Uint8Array(count * plane * 3);
  const labels = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const base = r * CIFAR_RECORD_BYTES;
    const label = bytes[base]!;
    if (label >= numClasses) {
      throw new DatasetFormatError(
        file,
        `record ${r} (byte ${base}) has label ${label}, outside 0..${numClasses - 1}`,
      );
    }
    labels[r] = label;
    const red = base + 1;
    const out = r * plane * 3;
    for (let p = 0; p < plane; p++) {
      pixels[out + 3 * p] = bytes[red + p]!;
      pixels[out + 3 * p + 1] = bytes[red + plane + p]!;
      pixels[out + 3 * p + 2] = bytes[red + 2 * plane + p]!;
    }
  }
  return { count, pixels, labels };
}

/**
 * Datasets from file contents (no file system): IDX, NPZ and CIFAR-10 batches or archives.
 * Usable in browsers with bytes from `fetch`.
 * @module
 */
import { ImageDataset } from './dataset/image-dataset.ts';
import { DatasetFormatError } from './errors.ts';
import { readCifarBatch } from './formats/cifar.ts';
import { gunzip } from './formats/gzip.ts';
import { readIdxImages, readIdxLabels } from './formats/idx.ts';
import { readNpzArray } from './formats/npz.ts';
import { readTar } from './formats/tar.ts';

/** A file's bytes with its name or path (used in error messages). */
export interface FileBytes {
  readonly bytes: Uint8Array;
  readonly file: string;
}

/** What the decoders check the data against. */
export interface DecodeInfo {
  /** Name for messages and the dataset, e.g. `'mnist/train'`. */
  readonly name: string;
  /** Required [H, W, C]; any shape when absent. */
  readonly shape?: readonly [number, number, number];
  /** Class names; labels must be below their count. */
  readonly classNames?: readonly string[];
}

interface DecodedImages {
  readonly count: number;
  readonly shape: readonly [number, number, number];
  readonly pixels: Uint8Array;
}

function assemble(
  images: DecodedImages,
  imagesFile: string,
  labels: ArrayLike<number>,
  labelsFile: string,
  info: DecodeInfo,
): ImageDataset {
  if (images.count !== labels.length) {
    throw new DatasetFormatError(
      imagesFile,
      `holds ${images.count} images but ${labelsFile} holds ${labels.length} labels: the image and label files do not belong together`,
    );
  }
  if (info.shape && images.shape.some((d, i) => d !== info.shape![i])) {
    throw new DatasetFormatError(
      imagesFile,
      `wrong dimensions: images are ${images.shape.join('×')} (H×W×C) but ${info.name} images are ${info.shape.join('×')}`,
    );
  }
  const classes = info.classNames?.length ?? 256;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= classes) {
      throw new DatasetFormatError(
        labelsFile,
        `label ${labels[i]} of example ${i} is outside the ${classes} classes 0..${classes - 1}`,
      );
    }
  }
  return new ImageDataset({
    pixels: images.pixels,
    labels,
    shape: images.shape,
    classNames: info.classNames,
    name: info.name,
  });
}

/**
 * A dataset from an IDX image file and an IDX label file (each raw or gzip-compressed).
 * @throws {DatasetFormatError} for malformed files, mismatched counts, wrong dimensions or
 * out-of-range labels.
 */
export function datasetFromIdx(
  images: FileBytes,
  labels: FileBytes,
  info: DecodeInfo,
): ImageDataset {
  const decoded = readIdxImages(images.bytes, images.file);
  const labelValues = readIdxLabels(labels.bytes, labels.file);
  return assemble(decoded, images.file, labelValues, labels.file, info);
}

/**
 * A dataset from two .npz archives holding `arr_0`: uint8 images of shape (N, H, W) or
 * (N, H, W, C), and uint8 labels of shape (N,) — KMNIST's NPZ distribution.
 * @throws {DatasetFormatError} as {@link datasetFromIdx}.
 */
export function datasetFromNpz(
  images: FileBytes,
  labels: FileBytes,
  info: DecodeInfo,
): ImageDataset {
  const imageArray = readNpzArray(images.bytes, images.file);
  const dims = imageArray.shape;
  if ((dims.length !== 3 && dims.length !== 4) || dims.slice(1).some((d) => d === 0)) {
    throw new DatasetFormatError(
      images.file,
      `arr_0 has shape (${dims.join(', ')}); images need (N, H, W) or (N, H, W, C)`,
    );
  }
  if (dims[0] === 0)
    throw new DatasetFormatError(images.file, 'holds no images (shape starts with 0)');
  const labelArray = readNpzArray(labels.bytes, labels.file);
  if (labelArray.shape.length !== 1) {
    throw new DatasetFormatError(
      labels.file,
      `arr_0 has shape (${labelArray.shape.join(', ')}); labels need (N,)`,
    );
  }
  const decoded: DecodedImages = {
    count: dims[0]!,
    shape: [dims[1]!, dims[2]!, dims[3] ?? 1],
    pixels: imageArray.data,
  };
  return assemble(decoded, images.file, labelArray.data, labels.file, info);
}

/**
 * A dataset from CIFAR-10 binary batch files, concatenated in the given order.
 * @throws {DatasetFormatError} for a malformed batch.
 */
export function datasetFromCifarBatches(
  batches: readonly FileBytes[],
  info: DecodeInfo,
): ImageDataset {
  if (batches.length === 0)
    throw new DatasetFormatError(info.name, 'no CIFAR-10 batch files given');
  const decoded = batches.map((b) =>
    readCifarBatch(b.bytes, b.file, { numClasses: info.classNames?.length ?? 10 }),
  );
  const count = decoded.reduce((n, b) => n + b.count, 0);
  const pixels = new Uint8Array(decoded.reduce((n, b) => n + b.pixels.length, 0));
  const labels = new Int32Array(count);
  let at = 0;
  let row = 0;
  for (const b of decoded) {
    pixels.set(b.pixels, at);
    labels.set(b.labels, row);
    at += b.pixels.length;
    row += b.count;
  }
  return new ImageDataset({
    pixels,
    labels,
    shape: [32, 32, 3],
    classNames: info.classNames,
    name: info.name,
  });
}

/**
 * A dataset from the CIFAR-10 binary archive (`cifar-10-binary.tar.gz`): gunzip, read the tar,
 * decode `members` (e.g. `cifar-10-batches-bin/data_batch_1.bin`) in order.
 * @throws {DatasetFormatError} for a malformed archive or a missing member.
 */
export function datasetFromCifarArchive(
  archive: FileBytes,
  members: readonly string[],
  info: DecodeInfo,
): ImageDataset {
  const entries = readTar(gunzip(archive.bytes, archive.file), archive.file);
  const batches = members.map((member) => {
    const entry = entries.find((e) => e.type === 'file' && e.name === member);
    if (!entry) {
      const files = entries.filter((e) => e.type === 'file').map((e) => e.name);
      throw new DatasetFormatError(
        archive.file,
        `the archive holds no ${member} (files: ${files.join(', ') || 'none'})`,
      );
    }
    return { bytes: entry.data, file: `${archive.file}:${member}` };
  });
  return datasetFromCifarBatches(batches, info);
}

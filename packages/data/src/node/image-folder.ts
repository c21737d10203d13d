/**
 * A folder of PNG images as a dataset: class sub-folders give the labels.
 * @module
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageDataset } from '../dataset/image-dataset.ts';
import { DatasetFormatError } from '../errors.ts';
import { decodePng, readPngInfo } from '../formats/png.ts';
import { convertChannels } from '../image/channels.ts';
import { type ImageValues, type ResizeMethod, resizeImage } from '../image/resize.ts';

/** Options of {@link loadImageFolder}. */
export interface ImageFolderOptions {
  /** Target [height, width]; default the size of the first image (in sorted order). */
  readonly size?: readonly [number, number];
  /** Images of another size are resized (`'bilinear'` or `'area'`) or rejected (default `'reject'`). */
  readonly resize?: ResizeMethod | 'reject';
  /** Output channels: 1 (grey), 3 (RGB) or 4 (RGBA); default 1 if every image is grey, else 3. */
  readonly channels?: 1 | 3 | 4;
  /** Refuse images with more pixels than this; default 2²⁶. */
  readonly maxPixels?: number;
  /**
   * Refuse a folder whose images, at the target size and channels, take more float32 bytes than
   * this (checked from the PNG headers, before any image is decoded); default 2³¹ (2 GiB).
   */
  readonly maxTotalBytes?: number;
  /** Dataset name for messages; default the folder path. */
  readonly name?: string;
}

/** One image of a folder, from its PNG header: see {@link inspectImageFolder}. */
export interface ImageFolderFile {
  readonly path: string;
  /** The index of its class folder (0 without class folders). */
  readonly label: number;
  readonly width: number;
  readonly height: number;
  /** The channels it decodes to: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
}

async function listVisible(dir: string): Promise<{ name: string; isDir: boolean }[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => !e.name.startsWith('.'))
    .map((e) => ({ name: e.name, isDir: e.isDirectory() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Load every PNG image under `dir` as an NHWC dataset in [0, 1].
 *
 * Layout: either images directly in `dir` (all labelled 0, no class names), or one sub-folder
 * per class (`dir/cat/*.png`, `dir/dog/*.png`; classes are the folder names in sorted order,
 * labels their indices). Hidden entries (names starting with '.') are skipped. Any size,
 * grey / grey+alpha / RGB / RGBA / palette, 8 or 16 bits: see {@link ImageFolderOptions} for
 * sizes and channels (grey → RGB replicates, RGB → grey uses BT.601 luma, alpha is dropped
 * unless 4 channels are asked for).
 *
 * @throws {DatasetFormatError} naming the file or folder: a missing or empty folder, a
 * non-PNG or corrupt file, a nested folder, files mixed with class folders, an empty class, or
 * (with `resize: 'reject'`) an image of another size.
 */
export async function loadImageFolder(
  dir: string,
  options: ImageFolderOptions = {},
): Promise<ImageDataset> {
  return loadInspected(await inspectFolder(dir, options), dir, options);
}

/**
 * The images of a folder laid out as {@link loadImageFolder} reads it, with each image's size and
 * channels from its PNG header (every chunk's CRC checked, nothing decoded): cheap enough to
 * check a folder (sizes, colour) before loading it.
 *
 * @throws {DatasetFormatError} for the layout problems and malformed PNGs of {@link loadImageFolder}.
 */
export async function inspectImageFolder(
  dir: string,
  options: Pick<ImageFolderOptions, 'maxPixels'> = {},
): Promise<{ files: ImageFolderFile[]; classNames: string[] }> {
  const { files, classNames } = await inspectFolder(dir, options);
  return { files: files.map(({ bytes: _bytes, ...file }) => file), classNames };
}

interface Inspected {
  readonly files: (ImageFolderFile & { readonly bytes: Uint8Array })[];
  readonly classNames: string[];
}

async function inspectFolder(
  dir: string,
  options: Pick<ImageFolderOptions, 'maxPixels'>,
): Promise<Inspected> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory())
    throw new DatasetFormatError(dir, info ? 'is not a folder' : 'does not exist');
  const top = await listVisible(dir);
  if (top.length === 0)
    throw new DatasetFormatError(dir, 'is empty: it holds no images and no class folders');
  const folders = top.filter((e) => e.isDir);
  const files: { path: string; label: number }[] = [];
  let classNames: string[] = [];
  if (folders.length > 0) {
    const loose = top.find((e) => !e.isDir);
    if (loose) {
      throw new DatasetFormatError(
        join(dir, loose.name),
        `is a file next to the class folders (${folders.map((f) => f.name).join(', ')}): put every image in a class folder, or none`,
      );
    }
    classNames = folders.map((f) => f.name);
    for (const [label, folder] of folders.entries()) {
      const classDir = join(dir, folder.name);
      const entries = await listVisible(classDir);
      const nested = entries.find((e) => e.isDir);
      if (nested)
        throw new DatasetFormatError(
          join(classDir, nested.name),
          'is a nested folder: class folders must hold image files only',
        );
      if (entries.length === 0)
        throw new DatasetFormatError(classDir, `class folder '${folder.name}' holds no images`);
      for (const e of entries) files.push({ path: join(classDir, e.name), label });
    }
  } else {
    for (const e of top) files.push({ path: join(dir, e.name), label: 0 });
  }

  const inspected: Inspected['files'][number][] = [];
  for (const { path, label } of files) {
    const bytes = await readFile(path);
    const header = readPngInfo(bytes, path, { maxPixels: options.maxPixels });
    inspected.push({ path, label, ...header, bytes });
  }
  return { files: inspected, classNames };
}

/** Decode the images one at a time into the dataset (peak memory: the dataset and one image). */
function loadInspected(
  { files, classNames }: Inspected,
  dir: string,
  options: ImageFolderOptions,
): ImageDataset {
  const first = files[0]!;
  const [height, width] = options.size ?? [first.height, first.width];
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new DatasetFormatError(
      dir,
      `options.size must be two positive integers, got [${options.size?.join(', ')}]`,
    );
  }
  const channels = options.channels ?? (files.every((f) => f.channels <= 2) ? 1 : 3);
  const resize = options.resize ?? 'reject';
  const imageSize = height * width * channels;
  const maxTotalBytes = options.maxTotalBytes ?? 2 ** 31;
  if (files.length * imageSize * 4 > maxTotalBytes) {
    throw new DatasetFormatError(
      dir,
      `its ${files.length} images take ${files.length * imageSize * 4} bytes as float32 at ${width}×${height}×${channels}, more than the limit of ${maxTotalBytes} (maxTotalBytes): resize them smaller (options.size with resize), or use fewer`,
    );
  }
  if (resize === 'reject') {
    const other = files.find((f) => f.height !== height || f.width !== width);
    if (other) {
      throw new DatasetFormatError(
        other.path,
        `wrong dimensions: the image is ${other.width}×${other.height} (W×H) but the dataset's images are ${width}×${height} (${options.size ? 'options.size' : `from ${first.path}`}); pass resize: 'bilinear' or 'area' to resize`,
      );
    }
  }
  const pixels = new Float32Array(files.length * imageSize);
  files.forEach(({ path, bytes }, i) => {
    const image = decodePng(bytes, path, { maxPixels: options.maxPixels });
    const values: ImageValues =
      image.height !== height || image.width !== width
        ? resizeImage(image, height, width, resize as ResizeMethod)
        : image;
    pixels.set(convertChannels(values, channels).values, i * imageSize);
  });
  return new ImageDataset({
    pixels,
    labels: Int32Array.from(files, (f) => f.label),
    shape: [height, width, channels],
    classNames,
    name: options.name ?? dir,
  });
}

/**
 * A folder of PNG images as a dataset: class sub-folders give the labels.
 * @module
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageDataset } from '../dataset/image-dataset.ts';
import { DatasetFormatError } from '../errors.ts';
import { type DecodedImage, decodePng } from '../formats/png.ts';
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
  /** Dataset name for messages; default the folder path. */
  readonly name?: string;
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

  const decoded: { path: string; image: DecodedImage }[] = [];
  for (const { path } of files) {
    decoded.push({
      path,
      image: decodePng(await readFile(path), path, { maxPixels: options.maxPixels }),
    });
  }
  const first = decoded[0]!;
  const [height, width] = options.size ?? [first.image.height, first.image.width];
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new DatasetFormatError(
      dir,
      `options.size must be two positive integers, got [${options.size?.join(', ')}]`,
    );
  }
  const channels = options.channels ?? (decoded.every((d) => d.image.channels <= 2) ? 1 : 3);
  const resize = options.resize ?? 'reject';
  const imageSize = height * width * channels;
  const pixels = new Float32Array(decoded.length * imageSize);
  decoded.forEach(({ path, image }, i) => {
    let values: ImageValues = image;
    if (image.height !== height || image.width !== width) {
      if (resize === 'reject') {
        throw new DatasetFormatError(
          path,
          `wrong dimensions: the image is ${image.width}×${image.height} (W×H) but the dataset's images are ${width}×${height} (${options.size ? 'options.size' : `from ${first.path}`}); pass resize: 'bilinear' or 'area' to resize`,
        );
      }
      values = resizeImage(image, height, width, resize);
    }
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

/**
 * Samples as a PNG file: the sheet `dale sample` writes.
 * @module
 */
import { DaleError } from '@dale/core';
import { encodePng, type GridOptions, imageGrid } from '@dale/data';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * The PNG bytes of a grid of images: `pixels` NHWC in [0, 1] (a {@link Generated}'s `pixels`,
 * values outside clamped), tiled by `imageGrid` of `@dale/data` with 2-pixel white gaps. Reads the
 * tensor asynchronously (WebGPU-safe) and leaves it alive.
 */
export async function toPng(pixels: tf.Tensor, options: GridOptions = {}): Promise<Uint8Array> {
  if (pixels.rank !== 4) {
    throw new DaleError(
      'invalid-image',
      `toPng: expected images [n, height, width, channels], got shape [${pixels.shape.join(', ')}]`,
    );
  }
  const [n, h, w, c] = pixels.shape as [number, number, number, number];
  return encodePng(imageGrid(await pixels.data(), [n, h, w, c], options));
}

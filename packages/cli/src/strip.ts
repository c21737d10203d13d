/**
 * The animation strip of `dale sample --strip`: one row per sample, one column per intermediate
 * state of the sampler, from the start x_T on the left to the final sample on the right.
 * @module
 */
import { DaleError } from '@dale/core';
import { imageGrid, type RawImage } from '@dale/data';
import type { Snapshots } from './generate.ts';

/**
 * Tile {@link Snapshots} of image samples into one image: row i shows sample i after each of
 * `snapshots.steps` (left to right), with `imageGrid`'s 2-pixel white gaps. Reads the snapshots
 * asynchronously, so it works on every backend (WebGPU in Node cannot read synchronously).
 */
export async function stripImage(snapshots: Snapshots): Promise<RawImage> {
  const columns = snapshots.pixels.length;
  const first = snapshots.pixels[0];
  if (first?.rank !== 4) {
    throw new DaleError(
      'invalid-image',
      `stripImage: snapshots must hold image batches [n, h, w, c], got ${first ? `shape [${first.shape.join(', ')}]` : 'none'}`,
    );
  }
  const [rows, h, w, c] = first.shape as [number, number, number, number];
  const tile = h * w * c;
  const values = new Float32Array(rows * columns * tile);
  for (const [column, pixels] of snapshots.pixels.entries()) {
    const data = (await pixels.data()) as Float32Array;
    for (let row = 0; row < rows; row++) {
      values.set(data.subarray(row * tile, (row + 1) * tile), (row * columns + column) * tile);
    }
  }
  return imageGrid(values, [rows * columns, h, w, c], { columns });
}

import { DaleError } from '@dale/core';
import type { RawImage } from '../formats/png-encode.ts';

/** Options of {@link imageGrid}. */
export interface GridOptions {
  /** Images per row; default ⌈√n⌉. */
  columns?: number;
  /** Pixels between images (filled with `background`); default 2. */
  gap?: number;
  /** Gap colour in [0, 1]; default 1 (white). */
  background?: number;
}

/**
 * Tile n images (NHWC values in [0, 1], row-major, as from `tensor.dataSync()`) into one 8-bit
 * image: the sample sheets of training and `dale sample`. Values outside [0, 1] are clamped.
 */
export function imageGrid(
  values: ArrayLike<number>,
  shape: readonly [number, number, number, number],
  options: GridOptions = {},
): RawImage {
  const [n, h, w, c] = shape;
  if (values.length !== n * h * w * c) {
    throw new DaleError(
      'invalid-image',
      `imageGrid: ${values.length} values do not fill shape [${shape.join(', ')}]`,
    );
  }
  if (c !== 1 && c !== 3)
    throw new DaleError('invalid-image', `imageGrid: images need 1 or 3 channels, got ${c}`);
  const columns = options.columns ?? Math.max(1, Math.ceil(Math.sqrt(n)));
  const rows = Math.max(1, Math.ceil(n / columns));
  const gap = options.gap ?? 2;
  const width = columns * w + (columns + 1) * gap;
  const height = rows * h + (rows + 1) * gap;
  const data = new Uint8Array(width * height * c).fill(
    Math.round(255 * Math.min(1, Math.max(0, options.background ?? 1))),
  );
  for (let k = 0; k < n; k++) {
    const top = gap + Math.floor(k / columns) * (h + gap);
    const left = gap + (k % columns) * (w + gap);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) {
          const v = values[((k * h + y) * w + x) * c + ch]!;
          data[((top + y) * width + left + x) * c + ch] = Math.round(
            255 * Math.min(1, Math.max(0, v)),
          );
        }
      }
    }
  }
  return { width, height, channels: c, data };
}

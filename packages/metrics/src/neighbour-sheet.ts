/**
 * A contact sheet for the memorisation check: one row per sample, the sample then its neighbours.
 * @module
 */
import { DaleError } from '@dale/core';
import { encodePng } from '@dale/data';
import type * as tf from '@tensorflow/tfjs-core';
import type { NearestNeighbourReport } from './nearest-neighbours.ts';

/** Options of {@link neighbourSheet}. */
export interface NeighbourSheetOptions {
  /** Pixels between tiles (default 2), and between the sample and its neighbours (twice that). */
  gap?: number;
  /** Grey level of the gaps in [0, 255] (default 255). */
  background?: number;
}

/**
 * A PNG sheet: row i shows `samples[i]`, a wider gap, then its neighbours `training[indices]` from
 * `report`, closest first. Images are NHWC in [0, 1] with 1 or 3 channels (values are clipped).
 */
export function neighbourSheet(
  samples: tf.Tensor4D,
  training: tf.Tensor4D,
  report: NearestNeighbourReport,
  options: NeighbourSheetOptions = {},
): Uint8Array {
  const [n, h, w, c] = samples.shape;
  const [, th, tw, tc] = training.shape;
  if (th !== h || tw !== w || tc !== c || (c !== 1 && c !== 3) || report.count !== n) {
    throw new DaleError(
      'invalid-image',
      `neighbourSheet: samples [${samples.shape}] and training [${training.shape}] must share h, w and 1 or 3 channels, and the report must cover ${n} samples (got ${report.count})`,
    );
  }
  const gap = options.gap ?? 2;
  const background = options.background ?? 255;
  const cols = report.k + 1;
  const width = cols * w + (cols + 2) * gap;
  const height = n * h + (n + 1) * gap;
  const data = new Uint8Array(width * height * c).fill(background);
  const s = samples.dataSync();
  const t = training.dataSync();
  const tile = h * w * c;
  const put = (src: ArrayLike<number>, index: number, row: number, col: number) => {
    const x0 = gap + col * (w + gap) + (col > 0 ? gap : 0);
    const y0 = gap + row * (h + gap);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w * c; x++) {
        const v = src[index * tile + y * w * c + x]!;
        data[((y0 + y) * width + x0) * c + x] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
    }
  };
  for (let i = 0; i < n; i++) {
    put(s, i, i, 0);
    for (let j = 0; j < report.k; j++) put(t, report.indices[i * report.k + j]!, i, j + 1);
  }
  return encodePng({ width, height, channels: c as 1 | 3, data });
}

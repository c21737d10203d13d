/**
 * Channel conversions between grey (1), grey + alpha (2), RGB (3) and RGBA (4) images.
 * @module
 */
import type { ImageValues } from './resize.ts';

/** ITU-R BT.601 luma weights, used to turn RGB into grey. */
export const LUMA_WEIGHTS = [0.299, 0.587, 0.114] as const;

/**
 * Convert an HWC image to 1 (grey), 3 (RGB) or 4 (RGBA) channels. Grey is replicated to RGB;
 * RGB becomes grey by BT.601 luma (0.299 R + 0.587 G + 0.114 B); alpha is dropped unless 4
 * channels are asked for (and is 1 where the source has none).
 */
export function convertChannels(image: ImageValues, channels: 1 | 3 | 4): ImageValues {
  const from = image.channels;
  if (from === channels) return image;
  const n = image.height * image.width;
  const out = new Float32Array(n * channels);
  const src = image.values;
  const hasColour = from >= 3;
  const hasAlpha = from === 2 || from === 4;
  for (let i = 0; i < n; i++) {
    const base = i * from;
    const r = src[base]!;
    const g = hasColour ? src[base + 1]! : r;
    const b = hasColour ? src[base + 2]! : r;
    if (channels === 1) {
      out[i] = hasColour ? LUMA_WEIGHTS[0] * r + LUMA_WEIGHTS[1] * g + LUMA_WEIGHTS[2] * b : r;
    } else {
      out[i * channels] = r;
      out[i * channels + 1] = g;
      out[i * channels + 2] = b;
      if (channels === 4) out[i * channels + 3] = hasAlpha ? src[base + from - 1]! : 1;
    }
  }
  return { height: image.height, width: image.width, channels, values: out };
}

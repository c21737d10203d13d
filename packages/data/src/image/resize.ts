/**
 * Resampling of HWC float images: bilinear (half-pixel centres, as `tf.image.resizeBilinear`
 * with `halfPixelCenters: true`) and area (box-filter averaging of the exact pixel overlaps).
 * @module
 */

/** How {@link resizeImage} resamples. */
export type ResizeMethod = 'bilinear' | 'area';

/** An HWC float image. */
export interface ImageValues {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly values: Float32Array;
}

/** Per output index along one axis: the source indices and weights (summing to 1). */
function areaWeights(inSize: number, outSize: number): { index: number[]; weight: number[] }[] {
  const scale = inSize / outSize;
  const result: { index: number[]; weight: number[] }[] = [];
  for (let o = 0; o < outSize; o++) {
    const start = o * scale;
    const end = (o + 1) * scale;
    const index: number[] = [];
    const weight: number[] = [];
    for (let i = Math.floor(start); i < Math.min(inSize, Math.ceil(end)); i++) {
      const overlap = Math.min(end, i + 1) - Math.max(start, i);
      if (overlap > 0) {
        index.push(i);
        weight.push(overlap / scale);
      }
    }
    result.push({ index, weight });
  }
  return result;
}

/** Per output index: two source indices and the weight of the second (half-pixel centres). */
function bilinearWeights(inSize: number, outSize: number): { index: number[]; weight: number[] }[] {
  const scale = inSize / outSize;
  const result: { index: number[]; weight: number[] }[] = [];
  for (let o = 0; o < outSize; o++) {
    const source = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
    const low = Math.floor(source);
    const high = Math.min(low + 1, inSize - 1);
    const fraction = source - low;
    result.push({ index: [low, high], weight: [1 - fraction, fraction] });
  }
  return result;
}

/**
 * Resample an HWC image to `height` × `width`. Separable: rows, then columns, in float64.
 * `'area'` averages each output pixel's footprint exactly (the right choice for shrinking);
 * `'bilinear'` interpolates between the four nearest pixel centres.
 */
export function resizeImage(
  image: ImageValues,
  height: number,
  width: number,
  method: ResizeMethod,
): ImageValues {
  const { channels, values } = image;
  const weights = method === 'area' ? areaWeights : bilinearWeights;
  const rows = weights(image.height, height);
  const cols = weights(image.width, width);
  // Columns first: [inH, width, C].
  const tmp = new Float64Array(image.height * width * channels);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      const { index, weight } = cols[x]!;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < index.length; k++)
          sum += weight[k]! * values[(y * image.width + index[k]!) * channels + c]!;
        tmp[(y * width + x) * channels + c] = sum;
      }
    }
  }
  const out = new Float32Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    const { index, weight } = rows[y]!;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < index.length; k++)
          sum += weight[k]! * tmp[(index[k]! * width + x) * channels + c]!;
        out[(y * width + x) * channels + c] = sum;
      }
    }
  }
  return { height, width, channels, values: out };
}

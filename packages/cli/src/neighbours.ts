/**
 * Nearest training images of a few query images in pixel space, reading the training set in
 * chunks so its 60,000 images never sit in memory as floats at once.
 * @module
 */
import type { ImageDataset } from '@dale/data';
import { type FeatureMatrix, type NearestNeighbourReport, nearestNeighbours } from '@dale/metrics';

/** Training images read per chunk (10,000 MNIST images are 31 MB of float32). */
const CHUNK = 10_000;

/**
 * The `k` nearest images of `training` (Euclidean distance between pixel vectors in [0, 1]) of
 * every row of `queries` (flattened images of the training set's shape), closest first: the
 * report of `nearestNeighbours` of `@dale/metrics`, computed chunk by chunk and merged.
 */
export function nearestTrainingImages(
  queries: FeatureMatrix,
  training: ImageDataset,
  k: number,
  chunkSize = CHUNK,
): NearestNeighbourReport {
  const rows = queries.rows;
  const best: { index: number; distance: number }[][] = Array.from({ length: rows }, () => []);
  for (let start = 0; start < training.size; start += chunkSize) {
    const count = Math.min(chunkSize, training.size - start);
    const indices = Uint32Array.from({ length: count }, (_, i) => start + i);
    const chunk = { data: training.values(indices), rows: count, dim: queries.dim };
    const report = nearestNeighbours(queries, chunk, Math.min(k, count));
    for (let q = 0; q < rows; q++) {
      for (let j = 0; j < report.k; j++) {
        best[q]!.push({
          index: start + report.indices[q * report.k + j]!,
          distance: report.distances[q * report.k + j]!,
        });
      }
      best[q]!.sort((a, b) => a.distance - b.distance || a.index - b.index);
      best[q]!.length = Math.min(best[q]!.length, k);
    }
  }
  const found = Math.min(k, training.size);
  const indices = new Int32Array(rows * found);
  const distances = new Float64Array(rows * found);
  for (let q = 0; q < rows; q++) {
    best[q]!.forEach(({ index, distance }, j) => {
      indices[q * found + j] = index;
      distances[q * found + j] = distance;
    });
  }
  return { count: rows, k: found, indices, distances };
}

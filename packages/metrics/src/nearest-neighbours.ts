/**
 * Memorisation check: for each generated sample, its k closest training samples.
 * @module
 */
import { DaleError } from '@dale/core';
import type * as tf from '@tensorflow/tfjs-core';
import { forEachDistanceRow, smallestK } from './distances.ts';
import { type FeatureMatrix, type Features, toFeatureMatrix } from './feature-matrix.ts';

/** For each of `count` samples, the indices of its k nearest training samples and their L2 distances. */
export interface NearestNeighbourReport {
  /** Number of queried samples. */
  readonly count: number;
  /** Neighbours per sample. */
  readonly k: number;
  /** `indices[i·k + j]`: training index of sample i's j-th nearest neighbour (closest first). */
  readonly indices: Int32Array;
  /** `distances[i·k + j]`: the Euclidean distance to it. */
  readonly distances: Float64Array;
}

/**
 * The `k` nearest `training` rows of every `samples` row by Euclidean distance (in whatever space
 * the rows are: flattened pixels or features). Images [n, h, w, c] are flattened to pixel vectors.
 */
export function nearestNeighbours(
  samples: Features | tf.Tensor,
  training: Features | tf.Tensor,
  k = 1,
): NearestNeighbourReport {
  const s = flat(samples, 'samples');
  const t = flat(training, 'training');
  if (!Number.isInteger(k) || k < 1 || k > t.rows) {
    throw new DaleError(
      'invalid-option',
      `nearestNeighbours: k must be an integer in [1, ${t.rows}], got ${k}`,
    );
  }
  const indices = new Int32Array(s.rows * k);
  const distances = new Float64Array(s.rows * k);
  forEachDistanceRow(s, t, (i, row) => {
    smallestK(row, k).forEach((j, rank) => {
      indices[i * k + rank] = j;
      distances[i * k + rank] = Math.sqrt(row[j]!);
    });
  });
  return { count: s.rows, k, indices, distances };
}

/** Rows of a feature matrix, or of images flattened to one row per image. */
function flat(x: Features | tf.Tensor, field: string): FeatureMatrix {
  if ('dataSync' in x && x.rank !== 2) {
    const rows = x.shape[0]!;
    return { data: x.dataSync() as Float32Array, rows, dim: x.size / rows };
  }
  return toFeatureMatrix(x as Features, field);
}

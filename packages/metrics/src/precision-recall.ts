/**
 * Improved precision and recall (Kynkäänniemi et al. 2019): each set's manifold is the union of
 * balls around its samples with radius the distance to the k-th nearest neighbour in the same set.
 * @module
 */
import { DaleError } from '@dale/core';
import { forEachDistanceRow, smallestK } from './distances.ts';
import { type FeatureMatrix, type Features, toFeatureMatrix } from './feature-matrix.ts';

/** Options of {@link precisionRecall}. */
export interface PrecisionRecallOptions {
  /** Neighbourhood size k (default 3, as the paper). */
  k?: number;
}

/** Precision (generated samples on the real manifold) and recall (real samples on the generated one). */
export interface PrecisionRecall {
  /** Fraction of generated samples inside some real ball. */
  readonly precision: number;
  /** Fraction of real samples inside some generated ball. */
  readonly recall: number;
}

/**
 * Precision and recall of `generated` against `real` features. A sample's ball radius is the
 * distance to its k-th nearest neighbour in its own set, the sample itself excluded (duplicates
 * count as neighbours at distance 0); a point is inside a manifold when its distance to some sample
 * is at most that sample's radius.
 */
export function precisionRecall(
  real: Features,
  generated: Features,
  options: PrecisionRecallOptions = {},
): PrecisionRecall {
  const r = toFeatureMatrix(real, 'real');
  const g = toFeatureMatrix(generated, 'generated');
  const k = options.k ?? 3;
  if (!Number.isInteger(k) || k < 1 || k >= Math.min(r.rows, g.rows)) {
    throw new DaleError(
      'invalid-option',
      `precisionRecall: k must be an integer in [1, ${Math.min(r.rows, g.rows) - 1}], got ${k}`,
    );
  }
  const realRadii = kthNeighbourDistances(r, k);
  const generatedRadii = kthNeighbourDistances(g, k);
  return {
    precision: fractionInside(g, r, realRadii),
    recall: fractionInside(r, g, generatedRadii),
  };
}

/** Squared distance from each row to its k-th nearest other row of the same set. */
function kthNeighbourDistances(m: FeatureMatrix, k: number): Float64Array {
  const radii = new Float64Array(m.rows);
  forEachDistanceRow(m, m, (i, row) => {
    row[i] = 0; // itself, exactly
    // Index 0 of the k + 1 smallest is the sample itself (or a duplicate at distance 0).
    radii[i] = row[smallestK(row, k + 1)[k]!]!;
  });
  return radii;
}

/** Fraction of `points` within the squared radius of at least one row of `centres`. */
function fractionInside(
  points: FeatureMatrix,
  centres: FeatureMatrix,
  radii: Float64Array,
): number {
  let inside = 0;
  forEachDistanceRow(points, centres, (_, row) => {
    for (let j = 0; j < row.length; j++) {
      if (row[j]! <= radii[j]!) {
        inside++;
        return;
      }
    }
  });
  return inside / points.rows;
}

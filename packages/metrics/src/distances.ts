/**
 * Pairwise squared Euclidean distances and k-nearest-neighbour queries in float64, in row blocks so
 * large sets never need the full distance matrix.
 * @module
 */
import { DaleError } from '@dale/core';
import type { FeatureMatrix } from './feature-matrix.ts';
import { addDotRows } from './linalg/dot-rows.ts';

/** Query rows per block (block × reference rows of float64 in flight). */
const BLOCK = 256;

/** Squared norms of the rows of `m`. */
function rowNorms(m: FeatureMatrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let j = 0; j < m.dim; j++) s += m.data[r * m.dim + j]! ** 2;
    out[r] = s;
  }
  return out;
}

/**
 * Call `visit(i, row)` for every query row i with `row[j]` = ‖qᵢ − rⱼ‖² (clipped at 0), computed as
 * ‖q‖² + ‖r‖² − 2 qᵀr block by block. `row` is reused between calls.
 */
export function forEachDistanceRow(
  query: FeatureMatrix,
  reference: FeatureMatrix,
  visit: (i: number, row: Float64Array) => void,
): void {
  if (query.dim !== reference.dim) {
    throw new DaleError(
      'invalid-features',
      `distances: reference must have the query's dimension ${query.dim}, got ${reference.dim}`,
    );
  }
  const qn = rowNorms(query);
  const rn = rowNorms(reference);
  const n = reference.rows;
  const ref = { data: reference.data, rows: n, cols: reference.dim };
  for (let start = 0; start < query.rows; start += BLOCK) {
    const rows = Math.min(BLOCK, query.rows - start);
    const block = {
      data: query.data.subarray(start * query.dim, (start + rows) * query.dim),
      rows,
      cols: query.dim,
    };
    const dots = addDotRows(block, ref, new Float64Array(rows * n));
    for (let b = 0; b < rows; b++) {
      const row = dots.subarray(b * n, (b + 1) * n);
      const q = qn[start + b]!;
      for (let j = 0; j < n; j++) row[j] = Math.max(0, q + rn[j]! - 2 * row[j]!);
      visit(start + b, row);
    }
  }
}

/** Indices of the `k` smallest entries of `row`, smallest first (ties by lower index). */
export function smallestK(row: Float64Array, k: number): number[] {
  const best: number[] = [];
  for (let j = 0; j < row.length; j++) {
    const v = row[j]!;
    if (best.length === k && v >= row[best[k - 1]!]!) continue;
    let at = best.length === k ? k - 1 : best.length;
    while (at > 0 && row[best[at - 1]!]! > v) {
      best[at] = best[at - 1]!;
      at--;
    }
    best[at] = j;
  }
  return best;
}

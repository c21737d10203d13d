/**
 * Cholesky factorisation with complete (diagonal) pivoting of a symmetric positive semi-definite
 * matrix, PᵀAP = LLᵀ with L lower trapezoidal of the numerical rank (as LAPACK's dpstrf): the
 * rank-revealing factor behind the Fréchet distance, O(n²r/2) instead of an eigendecomposition.
 * @module
 */
import { DaleError } from '@dale/core';

/** The factor of a pivoted Cholesky factorisation A[π(i), π(j)] ≈ Σ_k L[i,k] L[j,k], k < rank. */
export interface PivotedCholesky {
  /** The numerical rank r: the number of pivots above the tolerance. */
  readonly rank: number;
  /** The pivot order π: position i of the factor stands for row and column `pivots[i]` of A. */
  readonly pivots: Int32Array;
  /**
   * Lᵀ, row-major r × n: `factorT[k·n + i]` = L[i, k], zero for i < k (so row k of Lᵀ is column k of
   * L, contiguous).
   */
  readonly factorT: Float64Array;
}

/**
 * Pivoted Cholesky factorisation of the symmetric positive semi-definite `n` × `n` matrix `matrix`
 * (row-major, not modified; only the diagonal and the entries A[π(i), π(k)] of later pivots are read).
 * Each step takes the largest remaining diagonal entry of the Schur complement as pivot and stops
 * when it is at most `tolerance` (default n·ε·max_i A_ii, ε = 2⁻⁵², LAPACK's default): what remains
 * is positive semi-definite with every diagonal entry ≤ tolerance, i.e. round-off for a matrix of
 * lower rank. Left-looking: column k is A's column minus the contributions of the earlier columns.
 */
export function pivotedCholesky(
  matrix: ArrayLike<number>,
  n: number,
  tolerance?: number,
): PivotedCholesky {
  if (!Number.isInteger(n) || n < 1 || matrix.length !== n * n) {
    throw new DaleError(
      'invalid-matrix',
      `pivotedCholesky: matrix must hold n·n = ${n}·${n} values, got ${matrix.length}`,
    );
  }
  const pivots = Int32Array.from({ length: n }, (_, i) => i);
  const residual = new Float64Array(n); // diagonal of the Schur complement, in pivot order
  let maxDiagonal = 0;
  for (let i = 0; i < n; i++) {
    const v = matrix[i * n + i]!;
    if (!Number.isFinite(v)) {
      throw new DaleError(
        'invalid-matrix',
        `pivotedCholesky: diagonal entry ${i} must be finite, got ${v}`,
      );
    }
    residual[i] = v;
    maxDiagonal = Math.max(maxDiagonal, v);
  }
  const tol = tolerance ?? n * 2 ** -52 * maxDiagonal;
  const lt = new Float64Array(n * n);
  let rank = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (residual[i]! > residual[p]!) p = i;
    if (!(residual[p]! > tol)) break;
    if (p !== k) {
      swap(pivots, k, p);
      swap(residual, k, p);
      for (let m = 0; m < k; m++) swap(lt, m * n + k, m * n + p);
    }
    const row = lt.subarray(k * n, k * n + n);
    const pk = pivots[k]! * n;
    for (let i = k + 1; i < n; i++) row[i] = matrix[pk + pivots[i]!]!;
    subtractEarlierColumns(lt, row, k, n);
    const pivot = Math.sqrt(residual[k]!);
    row[k] = pivot;
    const inverse = 1 / pivot;
    for (let i = k + 1; i < n; i++) {
      const v = row[i]! * inverse;
      if (!Number.isFinite(v)) {
        throw new DaleError(
          'invalid-matrix',
          `pivotedCholesky: matrix must be finite and symmetric positive semi-definite, got a non-finite factor entry at step ${k}`,
        );
      }
      row[i] = v;
      residual[i]! -= v * v;
    }
    residual[k] = 0;
    rank = k + 1;
  }
  return { rank, pivots, factorT: lt.slice(0, rank * n) };
}

/** row[i] −= Σ_{m<k} Lᵀ[m, k] Lᵀ[m, i] for i > k, four earlier columns at a time. */
function subtractEarlierColumns(lt: Float64Array, row: Float64Array, k: number, n: number): void {
  let m = 0;
  for (; m + 4 <= k; m += 4) {
    const r0 = m * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    const f0 = lt[r0 + k]!;
    const f1 = lt[r1 + k]!;
    const f2 = lt[r2 + k]!;
    const f3 = lt[r3 + k]!;
    for (let i = k + 1; i < n; i++) {
      row[i]! -= f0 * lt[r0 + i]! + f1 * lt[r1 + i]! + f2 * lt[r2 + i]! + f3 * lt[r3 + i]!;
    }
  }
  for (; m < k; m++) {
    const r = m * n;
    const f = lt[r + k]!;
    for (let i = k + 1; i < n; i++) row[i]! -= f * lt[r + i]!;
  }
}

function swap(a: Float64Array | Int32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/**
 * The linear-algebra kernels against plain loops and closed forms: pivoted Cholesky reconstructs its
 * matrix and reveals its rank, eigenvalues-only equals the full decomposition, and the blocked
 * products with their structure options equal a triple loop.
 */
import { Rng } from '@dale/core';
import { describe, expect, it } from 'vitest';
import { addDotRows } from '../src/linalg/dot-rows.ts';
import { pivotedCholesky } from '../src/linalg/pivoted-cholesky.ts';
import { symmetricEigen } from '../src/linalg/symmetric-eigen.ts';
import { gaussianRows, jacobiEigenvalues, matmul } from './helpers.ts';

/** XᵀX for X of `rows` × `d` Gaussian rows: symmetric positive semi-definite of rank min(rows, d). */
function gram(rng: Rng, rows: number, d: number): Float64Array {
  const x = gaussianRows(rng, rows, d);
  const out = new Float64Array(d * d);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) out[i * d + j]! += x[r * d + i]! * x[r * d + j]!;
  return out;
}

/** max |A[π(i), π(j)] − (LLᵀ)[i, j]| over all i, j. */
function reconstructionError(a: Float64Array, n: number): { error: number; rank: number } {
  const { rank, pivots, factorT } = pivotedCholesky(a, n);
  let error = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < rank; k++) s += factorT[k * n + i]! * factorT[k * n + j]!;
      error = Math.max(error, Math.abs(a[pivots[i]! * n + pivots[j]!]! - s));
    }
  }
  return { error, rank };
}

describe('pivotedCholesky', () => {
  it('reconstructs a full-rank matrix (rank n, lower trapezoidal L, decreasing positive pivots)', () => {
    const n = 37;
    const a = gram(Rng.fromSeed(11), 80, n);
    const { error, rank } = reconstructionError(a, n);
    expect(rank).toBe(n);
    expect(error).toBeLessThan(1e-12 * 80);
    const { pivots, factorT } = pivotedCholesky(a, n);
    expect([...pivots].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < k; i++) expect(factorT[k * n + i]).toBe(0);
      expect(factorT[k * n + k]!).toBeGreaterThan(0);
      // Complete pivoting: |L[i,k]| ≤ L[k,k] below the diagonal.
      for (let i = k + 1; i < n; i++)
        expect(Math.abs(factorT[k * n + i]!)).toBeLessThanOrEqual(
          factorT[k * n + k]! * (1 + 1e-12),
        );
    }
  });

  it('reveals the rank of a rank-deficient matrix (XᵀX, X: 9 × 30) and still reconstructs it', () => {
    const n = 30;
    const a = gram(Rng.fromSeed(12), 9, n);
    const { error, rank } = reconstructionError(a, n);
    expect(rank).toBe(9);
    expect(error).toBeLessThan(1e-12 * 30);
  });

  it('gives rank 0 for the zero matrix and rejects a wrongly sized or non-finite one', () => {
    expect(pivotedCholesky(new Float64Array(9), 3).rank).toBe(0);
    expect(() => pivotedCholesky(new Float64Array(8), 3)).toThrow(/n·n = 3·3 values, got 8/);
    expect(() => pivotedCholesky([Number.NaN, 0, 0, 1], 2)).toThrow(/diagonal entry 0/);
  });
});

describe('symmetricEigen without eigenvectors', () => {
  it('gives the same eigenvalues as the full decomposition and as Jacobi (n = 60)', () => {
    const n = 60;
    const x = gaussianRows(Rng.fromSeed(13), n, n);
    const s = x.map((_, i) => x[i]! + x[(i % n) * n + Math.floor(i / n)]!);
    const full = symmetricEigen(s, n).values;
    const only = symmetricEigen(s, n, { vectors: false });
    const scalar = symmetricEigen(s, n, { vectors: false, scalar: true });
    expect(only.vectors).toBeUndefined();
    const jacobi = [...jacobiEigenvalues(s, n)].sort((p, q) => p - q);
    for (let i = 0; i < n; i++) {
      expect(Math.abs(only.values[i]! - full[i]!)).toBeLessThan(1e-11);
      expect(Math.abs(only.values[i]! - jacobi[i]!)).toBeLessThan(1e-11);
      expect(Math.abs(scalar.values[i]! - jacobi[i]!)).toBeLessThan(1e-11);
    }
  });

  it('handles rows that are already reduced (zero below the diagonal) on both paths', () => {
    // Block diagonal: a random 7 × 7 block, a 1 × 1 block, a random 5 × 5 block: some Householder
    // steps have nothing to annihilate, so the unfused paths run too.
    const n = 13;
    const rng = Rng.fromSeed(15);
    const a = new Float64Array(n * n);
    for (const [from, to] of [
      [0, 7],
      [7, 8],
      [8, 13],
    ] as const) {
      for (let i = from; i < to; i++) {
        for (let j = from; j <= i; j++) {
          const v = rng.normal();
          a[i * n + j] = v;
          a[j * n + i] = v;
        }
      }
    }
    const jacobi = [...jacobiEigenvalues(a, n)].sort((p, q) => p - q);
    for (const scalar of [false, true]) {
      const { values } = symmetricEigen(a, n, { vectors: false, scalar });
      for (let i = 0; i < n; i++) expect(Math.abs(values[i]! - jacobi[i]!)).toBeLessThan(1e-12);
    }
  });
});

describe.each([
  ['WebAssembly SIMD', false],
  ['scalar JavaScript', true],
])('addDotRows (%s kernel)', (_, scalar) => {
  const rng = Rng.fromSeed(14);
  // Sizes that are not multiples of the 4 × 4 tiles, and a depth over two 256-deep blocks.
  const p = 70;
  const q = 71;
  const depth = 523;
  const a = gaussianRows(rng, p, depth);
  const b = gaussianRows(rng, q, depth);
  const transposeB = (m: Float64Array, rows: number, cols: number) =>
    m.map((_, i) => m[(i % rows) * cols + Math.floor(i / rows)]!);

  it('equals the triple loop A Bᵀ, added to what out holds (float64 and float32 rows)', () => {
    const expected = matmul(a, transposeB(b, q, depth), p, depth, q);
    const out = addDotRows(
      { data: a, rows: p, cols: depth },
      { data: b, rows: q, cols: depth },
      new Float64Array(p * q).fill(1),
      { scalar },
    );
    for (let i = 0; i < p * q; i++)
      expect(Math.abs(out[i]! - expected[i]! - 1)).toBeLessThan(1e-10);
    // Float32 rows are read as their float64 values.
    const a32 = Float32Array.from(a);
    const expected32 = matmul(Float64Array.from(a32), transposeB(b, q, depth), p, depth, q);
    const out32 = addDotRows(
      { data: a32, rows: p, cols: depth },
      { data: b, rows: q, cols: depth },
      new Float64Array(p * q),
      { scalar },
    );
    for (let i = 0; i < p * q; i++)
      expect(Math.abs(out32[i]! - expected32[i]!)).toBeLessThan(1e-10);
  });

  it('computes A Aᵀ from one matrix (upper triangle) as from two copies', () => {
    const view = { data: a, rows: p, cols: depth };
    const once = addDotRows(view, view, new Float64Array(p * p), { upperOnly: true, scalar });
    const twice = addDotRows(view, { ...view, data: a.slice() }, new Float64Array(p * p), {
      scalar,
    });
    for (let i = 0; i < p; i++)
      for (let j = i; j < p; j++)
        expect(Math.abs(once[i * p + j]! - twice[i * p + j]!)).toBeLessThan(1e-10);
  });

  it('skips zero leading parts (trapezoidal A or B) and the lower triangle exactly where asked', () => {
    // Upper trapezoidal rows: row i zero before column i.
    const trap = (m: Float64Array, _rows: number) =>
      m.map((v, i) => (i % depth < Math.floor(i / depth) ? 0 : v));
    const at = trap(a, p);
    const bt = trap(b, q);
    const full = (x: Float64Array, y: Float64Array) =>
      matmul(x, transposeB(y, q, depth), p, depth, q);
    const viewA = { data: at, rows: p, cols: depth };
    const viewB = { data: bt, rows: q, cols: depth };
    const got1 = addDotRows(viewA, { data: b, rows: q, cols: depth }, new Float64Array(p * q), {
      aUpperTrapezoidal: true,
      scalar,
    });
    const want1 = full(at, b);
    const got2 = addDotRows({ data: a, rows: p, cols: depth }, viewB, new Float64Array(p * q), {
      bUpperTrapezoidal: true,
      upperOnly: true,
      scalar,
    });
    const want2 = full(a, bt);
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < q; j++) {
        expect(Math.abs(got1[i * q + j]! - want1[i * q + j]!)).toBeLessThan(1e-10);
        if (j >= i) expect(Math.abs(got2[i * q + j]! - want2[i * q + j]!)).toBeLessThan(1e-10);
      }
    }
  });
});

/**
 * Symmetric eigendecomposition in float64: Householder reduction to tridiagonal form (tred2) followed
 * by the implicit QL algorithm with Wilkinson-like shifts (tql2), after EISPACK as published in JAMA.
 * Eigenvectors are kept column-major (eigenvector j is the contiguous slice j·n … j·n + n), which
 * makes every inner loop of both stages run over contiguous memory.
 * @module
 */
import { DaleError } from '@dale/core';
import { simdKernel } from './simd-kernel.ts';

/** Eigenvalues (ascending) and, when asked for, orthonormal eigenvectors of a symmetric matrix. */
export interface SymmetricEigen {
  /** The n eigenvalues in ascending order. */
  readonly values: Float64Array;
  /**
   * The eigenvectors, eigenvector j (for `values[j]`) stored contiguously at `j·n … j·n + n`;
   * absent when only the eigenvalues were computed.
   */
  readonly vectors?: Float64Array;
}

/**
 * Eigenvalues and (optionally) eigenvectors of the symmetric `n` × `n` matrix `matrix` (row-major;
 * only its lower triangle is read). O(n³); the input is not modified. Options: `vectors` (default
 * true) — without eigenvectors the tridiagonalisation runs fused and on the WebAssembly SIMD kernel
 * where available; `scalar` keeps it in plain JavaScript.
 */
export function symmetricEigen(
  matrix: ArrayLike<number>,
  n: number,
  options: { vectors?: boolean; scalar?: boolean } = {},
): SymmetricEigen {
  if (!Number.isInteger(n) || n < 1 || matrix.length !== n * n) {
    throw new DaleError(
      'invalid-matrix',
      `symmetricEigen: matrix must hold n·n = ${n}·${n} values, got ${matrix.length}`,
    );
  }
  const wantVectors = options.vectors ?? true;
  // v[c·n + r] holds V[r][c] (column-major). A is symmetric, so copying it row-major is the same.
  const v = Float64Array.from(matrix as ArrayLike<number>);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) {
      throw new DaleError(
        'invalid-matrix',
        `symmetricEigen: matrix[${i}] must be finite, got ${v[i]}`,
      );
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (wantVectors) tred2(v, d, e, n);
  else tridiagonalValues(v, d, e, n, options.scalar ?? false);
  tql2(v, d, e, n, wantVectors);
  return sortAscending(d, wantVectors ? v : undefined, n);
}

/** Householder tridiagonalisation: diagonal into d, subdiagonal into e[1..n), transforms into v. */
function tred2(v: Float64Array, d: Float64Array, e: Float64Array, n: number) {
  for (let j = 0; j < n; j++) d[j] = v[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = v[j * n + i - 1]!;
        v[j * n + i] = 0;
        v[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        const col = j * n;
        f = d[j]!;
        v[i * n + j] = f;
        g = e[j]! + v[col + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = v[col + k]!;
          g += vkj * d[k]!;
          e[k]! += vkj * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        const col = j * n;
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) v[col + k]! -= f * e[k]! + g * d[k]!;
        d[j] = v[col + i - 1]!;
        v[col + i] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    const colI = i * n;
    const colNext = (i + 1) * n;
    v[colI + n - 1] = v[colI + i]!;
    v[colI + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[colNext + k]! / h;
      for (let j = 0; j <= i; j++) {
        const col = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[colNext + k]! * v[col + k]!;
        for (let k = 0; k <= i; k++) v[col + k]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) v[colNext + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[j * n + n - 1]!;
    v[j * n + n - 1] = 0;
  }
  v[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * The same Householder tridiagonalisation as {@link tred2} for eigenvalues only: diagonal into d,
 * subdiagonal into e[1..n). Each step's rank-2 update A ← A − u qᵀ − q uᵀ is fused with the next
 * step's product A′u′ (the next row is updated first, so u′ is known), so every step passes over the
 * lower triangle once instead of twice; each column of that pass runs on the WebAssembly SIMD
 * kernel's `rank2` where available (the matrix is copied into its memory), else in JavaScript.
 */
function tridiagonalValues(
  matrix: Float64Array,
  d: Float64Array,
  e: Float64Array,
  n: number,
  scalar: boolean,
) {
  const size = n * n + 4 * n;
  let kernel = scalar ? undefined : simdKernel();
  if (kernel && kernel.memory.buffer.byteLength < 8 * size) {
    try {
      kernel.memory.grow(Math.ceil((8 * size - kernel.memory.buffer.byteLength) / 65536));
    } catch {
      kernel = undefined; // beyond WebAssembly's 4 GiB
    }
  }
  // heap: the matrix (column-major lower triangle) then four n-vectors u, u′, p, p′.
  const heap = kernel ? new Float64Array(kernel.memory.buffer, 0, size) : new Float64Array(size);
  heap.set(matrix);
  heap.fill(0, n * n);
  const rank2 = kernel?.rank2;
  /** Over k in [k0, k1) of column `col`: a = V − (uj·p + pj·u), V ← a, q += wj·a; returns Σ a·w. */
  const column = (
    col: number,
    k0: number,
    k1: number,
    uj: number,
    pj: number,
    wj: number,
    u: number,
    p: number,
    w: number,
    q: number,
  ): number => {
    let acc = 0;
    let k = k0;
    const pairs = rank2 ? (k1 - k0) >> 1 : 0;
    if (pairs > 0) {
      acc = rank2!(
        8 * (col + k0),
        8 * (u + k0),
        8 * (p + k0),
        8 * (w + k0),
        8 * (q + k0),
        16 * pairs,
        uj,
        pj,
        wj,
      );
      k = k0 + 2 * pairs; // at most one value left for the loop below
    }
    for (; k < k1; k++) {
      const a = heap[col + k]! - (uj * heap[p + k]! + pj * heap[u + k]!);
      heap[col + k] = a;
      acc += a * heap[w + k]!;
      heap[q + k]! += wj * a;
    }
    return acc;
  };
  let u = n * n; // this step's Householder vector (scaled)
  let next = u + n; // the next step's
  let p = next + n; // A u, then q
  let pNext = p + n; // A′ u′, accumulated during the fused update
  const row = new Float64Array(n);
  for (let j = 0; j < n - 1; j++) row[j] = heap[j * n + n - 1]!;
  let h = householder(row, n - 1, heap, u, e);
  let fused = false;
  for (let i = n - 1; i >= 1; i--) {
    let hNext = 0;
    if (h === 0) {
      // Nothing to annihilate in row i: the leading block is unchanged.
      if (i > 1) {
        for (let j = 0; j < i - 1; j++) row[j] = heap[j * n + i - 1]!;
        hNext = householder(row, i - 1, heap, next, e);
      }
      fused = false;
    } else {
      if (!fused) {
        // p = A u over the leading i × i block (the kernel with no update: uj = pj = 0).
        heap.fill(0, p, p + i);
        for (let j = 0; j < i; j++) {
          const col = j * n;
          const uj = heap[u + j]!;
          const acc = column(col, j + 1, i, 0, 0, uj, u, p, u, p);
          heap[p + j]! += heap[col + j]! * uj + acc;
        }
      }
      let f = 0;
      for (let j = 0; j < i; j++) {
        heap[p + j]! /= h;
        f += heap[p + j]! * heap[u + j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) heap[p + j]! -= hh * heap[u + j]!;
      // Row i − 1 after the update, then the next reflector from it.
      const ul = heap[u + i - 1]!;
      const pl = heap[p + i - 1]!;
      for (let j = 0; j < i; j++) {
        const at = j * n + i - 1;
        const value = heap[at]! - (heap[u + j]! * pl + heap[p + j]! * ul);
        heap[at] = value;
        row[j] = value;
      }
      if (i > 1) hNext = householder(row, i - 1, heap, next, e);
      // The rest of the update (rows and columns < i − 1), with A′u′ on the fly.
      const m = i - 1;
      heap.fill(0, pNext, pNext + m);
      for (let j = 0; j < m; j++) {
        const col = j * n;
        const uj = heap[u + j]!;
        const pj = heap[p + j]!;
        const nj = hNext === 0 ? 0 : heap[next + j]!;
        const diagonal = heap[col + j]! - 2 * uj * pj;
        heap[col + j] = diagonal;
        const acc = column(col, j + 1, m, uj, pj, nj, u, p, next, pNext);
        heap[pNext + j]! += diagonal * nj + acc;
      }
      fused = hNext !== 0;
    }
    [u, next] = [next, u];
    [p, pNext] = [pNext, p];
    h = hNext;
  }
  for (let j = 0; j < n; j++) d[j] = heap[j * n + j]!;
  e[0] = 0;
}

/**
 * The reflector that annihilates row[0 … i − 1) of row i (JAMA's scaled form), written to
 * heap[u …]: x = row/scale, u = x − g·e_{i−1} with g = −sign(x_{i−1})‖x‖, e[i] = scale·g; returns
 * h = ‖x‖² − x_{i−1}·g = ‖u‖²/2 (0 when the row is already zero).
 */
function householder(
  row: Float64Array,
  i: number,
  heap: Float64Array,
  u: number,
  e: Float64Array,
): number {
  let scale = 0;
  for (let k = 0; k < i; k++) scale += Math.abs(row[k]!);
  if (scale === 0) {
    e[i] = 0;
    return 0;
  }
  let h = 0;
  for (let k = 0; k < i; k++) {
    const x = row[k]! / scale;
    heap[u + k] = x;
    h += x * x;
  }
  const f = heap[u + i - 1]!;
  let g = Math.sqrt(h);
  if (f > 0) g = -g;
  e[i] = scale * g;
  h -= f * g;
  heap[u + i - 1] = f - g;
  return h;
}

/** Implicit QL iterations on the tridiagonal (d, e), accumulating rotations into v when asked. */
function tql2(v: Float64Array, d: Float64Array, e: Float64Array, n: number, vectors: boolean) {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 60) {
          throw new DaleError(
            'no-convergence',
            `symmetricEigen: QL did not converge for index ${l}`,
          );
        }
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (vectors) {
            const ci = i * n;
            const cn = ci + n;
            for (let k = 0; k < n; k++) {
              const hk = v[cn + k]!;
              const vk = v[ci + k]!;
              v[cn + k] = s * vk + c * hk;
              v[ci + k] = c * vk - s * hk;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

function sortAscending(d: Float64Array, v: Float64Array | undefined, n: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a]! - d[b]!);
  const values = Float64Array.from(order, (i) => d[i]!);
  if (!v) return { values };
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    vectors.set(v.subarray(from * n, from * n + n), to * n);
  });
  return { values, vectors };
}

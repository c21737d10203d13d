/**
 * Float64 dot products between the rows of two row-major matrices, C = A Bᵀ: the one dense kernel
 * behind the covariance accumulation, the Fréchet distance's products, KID's kernel matrices and the
 * pairwise distances. Register-tiled (4 × 4 accumulators) and blocked along the shared dimension so
 * the eight rows in flight stay in the L1 cache.
 * @module
 */

/** Rows of the shared dimension processed per block (8 rows × 256 doubles = 16 KiB). */
const DEPTH_BLOCK = 256;

/** A row-major matrix view: `rows` × `cols` values of `data` starting at 0. */
export interface RowMatrix {
  /** The values, row after row. */
  readonly data: Float64Array | Float32Array;
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns (values per row). */
  readonly cols: number;
}

/**
 * Add A Bᵀ to `out` (row-major, `a.rows` × `b.rows`): out[i·p + j] += Σ_k a[i,k] b[j,k] in float64.
 * With `upperOnly` (A and B the same matrix) only the entries j ≥ i are computed (the caller mirrors).
 */
export function addDotRows(
  a: RowMatrix,
  b: RowMatrix,
  out: Float64Array,
  upperOnly = false,
): Float64Array {
  const { rows: p, cols: depth } = a;
  const q = b.rows;
  const A = a.data;
  const B = b.data;
  for (let k0 = 0; k0 < depth; k0 += DEPTH_BLOCK) {
    const k1 = Math.min(depth, k0 + DEPTH_BLOCK);
    for (let i = 0; i < p; i += 4) {
      const iEnd = Math.min(p, i + 4);
      const jStart = upperOnly ? i - (i % 4) : 0;
      for (let j = jStart; j < q; j += 4) {
        const jEnd = Math.min(q, j + 4);
        if (iEnd - i === 4 && jEnd - j === 4) {
          tile4x4(A, B, depth, i, j, k0, k1, out, q);
        } else {
          for (let ii = i; ii < iEnd; ii++) {
            for (let jj = j; jj < jEnd; jj++) {
              let s = 0;
              const ai = ii * depth;
              const bj = jj * depth;
              for (let k = k0; k < k1; k++) s += A[ai + k]! * B[bj + k]!;
              out[ii * q + jj]! += s;
            }
          }
        }
      }
    }
  }
  return out;
}

function tile4x4(
  A: Float64Array | Float32Array,
  B: Float64Array | Float32Array,
  depth: number,
  i: number,
  j: number,
  k0: number,
  k1: number,
  out: Float64Array,
  q: number,
): void {
  const a0 = i * depth;
  const a1 = a0 + depth;
  const a2 = a1 + depth;
  const a3 = a2 + depth;
  const b0 = j * depth;
  const b1 = b0 + depth;
  const b2 = b1 + depth;
  const b3 = b2 + depth;
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  for (let k = k0; k < k1; k++) {
    const x0 = A[a0 + k]!;
    const x1 = A[a1 + k]!;
    const x2 = A[a2 + k]!;
    const x3 = A[a3 + k]!;
    const y0 = B[b0 + k]!;
    const y1 = B[b1 + k]!;
    const y2 = B[b2 + k]!;
    const y3 = B[b3 + k]!;
    c00 += x0 * y0;
    c01 += x0 * y1;
    c02 += x0 * y2;
    c03 += x0 * y3;
    c10 += x1 * y0;
    c11 += x1 * y1;
    c12 += x1 * y2;
    c13 += x1 * y3;
    c20 += x2 * y0;
    c21 += x2 * y1;
    c22 += x2 * y2;
    c23 += x2 * y3;
    c30 += x3 * y0;
    c31 += x3 * y1;
    c32 += x3 * y2;
    c33 += x3 * y3;
  }
  let o = i * q + j;
  out[o]! += c00;
  out[o + 1]! += c01;
  out[o + 2]! += c02;
  out[o + 3]! += c03;
  o += q;
  out[o]! += c10;
  out[o + 1]! += c11;
  out[o + 2]! += c12;
  out[o + 3]! += c13;
  o += q;
  out[o]! += c20;
  out[o + 1]! += c21;
  out[o + 2]! += c22;
  out[o + 3]! += c23;
  o += q;
  out[o]! += c30;
  out[o + 1]! += c31;
  out[o + 2]! += c32;
  out[o + 3]! += c33;
}

/** Copy the upper triangle of the square `n` × `n` matrix onto its lower triangle. */
export function mirrorUpper(m: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[j * n + i] = m[i * n + j]!;
  return m;
}

/** The transpose of a row-major `rows` × `cols` matrix, as float64. */
export function transpose(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const r = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = data[r + j]!;
  }
  return out;
}

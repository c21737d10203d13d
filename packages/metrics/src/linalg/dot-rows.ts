/**
 * Float64 dot products between the rows of two row-major matrices, C = A Bᵀ: the one dense kernel
 * behind the covariance accumulation, the Fréchet distance's products, KID's kernel matrices and the
 * pairwise distances. Blocked along the shared dimension and over rows of B so the rows in flight
 * stay in L1 and L2; each tile runs on a WebAssembly SIMD kernel (4 × 2 rows, f64x2 accumulators) or,
 * without it, on 4 × 4 register-tiled JavaScript loops.
 * @module
 */
import { type SimdKernel, simdKernel } from './simd-kernel.ts';

/** Values of the shared dimension processed per block (4 rows × 256 doubles = 8 KiB of A in L1). */
const DEPTH_BLOCK = 256;
/** Rows of B per block: 64 × 256 doubles = 128 KiB, reused from L2 by every row tile of A. */
const ROW_BLOCK = 64;

/** A row-major matrix view: `rows` × `cols` values of `data` starting at 0. */
export interface RowMatrix {
  /** The values, row after row. */
  readonly data: Float64Array | Float32Array;
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns (values per row). */
  readonly cols: number;
}

/** Structure that lets {@link addDotRows} skip work. */
export interface DotRowsOptions {
  /** Compute only the entries j ≥ i (the product is symmetric; the caller mirrors). */
  readonly upperOnly?: boolean;
  /** Row i of A is zero before column i (A upper trapezoidal): sums start at k = i. */
  readonly aUpperTrapezoidal?: boolean;
  /** Row j of B is zero before column j (B upper trapezoidal): sums start at k = j. */
  readonly bUpperTrapezoidal?: boolean;
  /** Use the plain JavaScript loops even where the WebAssembly SIMD kernel is available. */
  readonly scalar?: boolean;
}

/**
 * Add A Bᵀ to `out` (row-major, `a.rows` × `b.rows`): out[i·p + j] += Σ_k a[i,k] b[j,k] in float64.
 * Blocked for the caches: a 256-deep slice of 64 rows of B stays in L2 while every 4-row tile of A
 * passes over it. `options` skips entries below the diagonal and known-zero leading parts of rows.
 * The tiles run on the WebAssembly SIMD kernel ({@link simdKernel}; A and B are copied into its
 * memory as float64) where available, else on 4 × 4 register-tiled JavaScript loops.
 */
export function addDotRows(
  a: RowMatrix,
  b: RowMatrix,
  out: Float64Array,
  options: DotRowsOptions = {},
): Float64Array {
  const kernel = options.scalar ? undefined : simdKernel();
  if (kernel && a.rows > 0 && b.rows > 0 && a.cols > 0)
    return addDotRowsSimd(kernel, a, b, out, options);
  const { rows: p, cols: depth } = a;
  const q = b.rows;
  const A = a.data;
  const B = b.data;
  const upperOnly = options.upperOnly ?? false;
  const aTrapezoidal = options.aUpperTrapezoidal ?? false;
  const bTrapezoidal = options.bUpperTrapezoidal ?? false;
  for (let k0 = 0; k0 < depth; k0 += DEPTH_BLOCK) {
    const k1 = Math.min(depth, k0 + DEPTH_BLOCK);
    // Rows of B (and A) that are zero over the whole slice k0…k1 contribute nothing.
    const jLimit = bTrapezoidal ? Math.min(q, k1) : q;
    const iLimit = aTrapezoidal ? Math.min(p, k1) : p;
    for (let j0 = 0; j0 < jLimit; j0 += ROW_BLOCK) {
      const j1 = Math.min(jLimit, j0 + ROW_BLOCK);
      const iEndAll = upperOnly ? Math.min(iLimit, j1) : iLimit;
      for (let i = 0; i < iEndAll; i += 4) {
        const iEnd = Math.min(p, i + 4);
        const jStart = upperOnly ? Math.max(j0, i) : j0;
        for (let j = jStart; j < j1; j += 4) {
          const jEnd = Math.min(j1, j + 4);
          let kStart = k0;
          if (aTrapezoidal && i > kStart) kStart = i;
          if (bTrapezoidal && j > kStart) kStart = j;
          if (kStart >= k1) continue;
          if (iEnd - i === 4 && jEnd - j === 4) {
            tile4x4(A, B, depth, i, j, kStart, k1, out, q);
          } else {
            for (let ii = i; ii < iEnd; ii++) {
              for (let jj = j; jj < jEnd; jj++) {
                let s = 0;
                const ai = ii * depth;
                const bj = jj * depth;
                for (let k = kStart; k < k1; k++) s += A[ai + k]! * B[bj + k]!;
                out[ii * q + jj]! += s;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/** {@link addDotRows} on the SIMD kernel: 4 × 2 tiles over rows padded to an even length. */
function addDotRowsSimd(
  kernel: SimdKernel,
  a: RowMatrix,
  b: RowMatrix,
  out: Float64Array,
  options: DotRowsOptions,
): Float64Array {
  const { rows: p, cols: depth } = a;
  const q = b.rows;
  const upperOnly = options.upperOnly ?? false;
  const aTrapezoidal = options.aUpperTrapezoidal ?? false;
  const bTrapezoidal = options.bUpperTrapezoidal ?? false;
  const strideValues = depth + (depth & 1);
  const stride = 8 * strideValues;
  const pPadded = Math.ceil(p / 4) * 4;
  const qPadded = Math.ceil(q / 2) * 2;
  const shared = a.data === b.data && p === q;
  const aBase = 0;
  const bBase = shared ? aBase : aBase + pPadded * stride;
  const resultAt = shared ? pPadded * stride : bBase + qPadded * stride;
  const needed = resultAt + 64;
  const { memory } = kernel;
  if (memory.buffer.byteLength < needed) {
    try {
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
    } catch {
      return addDotRows(a, b, out, { ...options, scalar: true }); // beyond WebAssembly's 4 GiB
    }
  }
  const heap = new Float64Array(memory.buffer);
  const copyRows = (m: RowMatrix, base: number, padded: number) => {
    const at = base / 8;
    heap.fill(0, at, at + padded * strideValues);
    for (let r = 0; r < m.rows; r++) {
      heap.set(m.data.subarray(r * depth, (r + 1) * depth), at + r * strideValues);
    }
  };
  copyRows(a, aBase, pPadded);
  if (!shared) copyRows(b, bBase, qPadded);
  const result = new Float64Array(memory.buffer, resultAt, 8);
  const dot4x2 = kernel.dot4x2;
  for (let k0 = 0; k0 < depth; k0 += DEPTH_BLOCK) {
    const k1 = Math.min(depth, k0 + DEPTH_BLOCK);
    const jLimit = bTrapezoidal ? Math.min(q, k1) : q;
    const iLimit = aTrapezoidal ? Math.min(p, k1) : p;
    for (let j0 = 0; j0 < jLimit; j0 += ROW_BLOCK) {
      const j1 = Math.min(jLimit, j0 + ROW_BLOCK);
      const iEndAll = upperOnly ? Math.min(iLimit, j1) : iLimit;
      for (let i = 0; i < iEndAll; i += 4) {
        const jStart = upperOnly ? Math.max(j0, i) : j0;
        for (let j = jStart; j < j1; j += 2) {
          let kStart = k0;
          if (aTrapezoidal && i > kStart) kStart = i;
          if (bTrapezoidal && j > kStart) kStart = j;
          kStart -= kStart & 1; // the values skipped by rounding down are zeros
          const kEnd = k1 + (k1 & 1); // the padding value is zero
          if (kStart >= kEnd) continue;
          dot4x2(
            aBase + i * stride + 8 * kStart,
            bBase + j * stride + 8 * kStart,
            stride,
            8 * (kEnd - kStart),
            resultAt,
          );
          for (let r = 0; r < 4 && i + r < p; r++) {
            const o = (i + r) * q + j;
            out[o]! += result[2 * r]!;
            if (j + 1 < q) out[o + 1]! += result[2 * r + 1]!;
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

import { spawnSync } from 'node:child_process';
import { type Rng, useBackend } from '@dale/core';

/** Run tests on TensorFlow.js's CPU backend. */
export async function onCpu(): Promise<void> {
  await useBackend('cpu');
}

/** `rows` × `dim` standard normal draws (float64) times `scale`, plus `shift`. */
export function gaussianRows(
  rng: Rng,
  rows: number,
  dim: number,
  scale = 1,
  shift = 0,
): Float64Array {
  const out = new Float64Array(rows * dim);
  for (let i = 0; i < out.length; i++) out[i] = shift + scale * rng.normal();
  return out;
}

/** Plain triple-loop product of row-major p × q and q × r matrices. */
export function matmul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  p: number,
  q: number,
  r: number,
) {
  const out = new Float64Array(p * r);
  for (let i = 0; i < p; i++)
    for (let k = 0; k < q; k++)
      for (let j = 0; j < r; j++) out[i * r + j]! += a[i * q + k]! * b[k * r + j]!;
  return out;
}

/** Two-pass mean and unbiased covariance of `rows` × `dim` data. */
export function twoPassMoments(x: ArrayLike<number>, rows: number, dim: number) {
  const mean = new Float64Array(dim);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) mean[j]! += x[r * dim + j]! / rows;
  const covariance = new Float64Array(dim * dim);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < dim; i++)
      for (let j = 0; j < dim; j++)
        covariance[i * dim + j]! +=
          ((x[r * dim + i]! - mean[i]!) * (x[r * dim + j]! - mean[j]!)) / (rows - 1);
  return { mean, covariance };
}

function inverse(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[p * n + c]!)) p = r;
    for (let k = 0; k < n; k++) {
      [m[c * n + k], m[p * n + k]] = [m[p * n + k]!, m[c * n + k]!];
      [inv[c * n + k], inv[p * n + k]] = [inv[p * n + k]!, inv[c * n + k]!];
    }
    const d = m[c * n + c]!;
    for (let k = 0; k < n; k++) {
      m[c * n + k]! /= d;
      inv[c * n + k]! /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * n + c]!;
      for (let k = 0; k < n; k++) {
        m[r * n + k]! -= f * m[c * n + k]!;
        inv[r * n + k]! -= f * inv[c * n + k]!;
      }
    }
  }
  return inv;
}

/**
 * Trace of the principal square root of a (not necessarily symmetric) matrix with positive real
 * eigenvalues, by the Denman–Beavers iteration Y ← (Y + Z⁻¹)/2, Z ← (Z + Y⁻¹)/2: a route independent
 * of any eigendecomposition.
 */
export function traceSqrtDenmanBeavers(a: Float64Array, n: number): number {
  let y = Float64Array.from(a);
  let z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  for (let it = 0; it < 100; it++) {
    const yi = inverse(y, n);
    const zi = inverse(z, n);
    const ny = y.map((v, i) => (v + zi[i]!) / 2);
    const nz = z.map((v, i) => (v + yi[i]!) / 2);
    let change = 0;
    for (let i = 0; i < n * n; i++) change = Math.max(change, Math.abs(ny[i]! - y[i]!));
    y = ny;
    z = nz;
    if (change < 1e-15 * n) break;
  }
  let t = 0;
  for (let i = 0; i < n; i++) t += y[i * n + i]!;
  return t;
}

/** Whether `python3` with numpy and scipy runs here. */
export const hasScipy =
  spawnSync('python3', ['-c', 'import numpy, scipy.linalg'], { encoding: 'utf8' }).status === 0;

/** Run a python3 script with `input` as JSON on stdin; returns its JSON stdout. */
export function python(script: string, input: unknown): unknown {
  const out = spawnSync('python3', ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout);
}

/** Relative difference |a − b| / |b|. */
export const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/**
 * Eigenvalues of a symmetric matrix by the cyclic Jacobi method (a second implementation, unrelated
 * to Householder + QL): rotate away off-diagonal entries until they vanish.
 */
export function jacobiEigenvalues(matrix: ArrayLike<number>, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Float64Array.from({ length: n }, (_, i) => a[i * n + i]!);
}

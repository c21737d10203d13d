/**
 * Streaming mean and covariance of feature vectors in float64, batch by batch, so tens of thousands
 * of samples never sit in memory at once; serialisable so a dataset split's reference statistics are
 * computed once and reused.
 * @module
 */
import { DaleError } from '@dale/core';
import { type Features, toFeatureMatrix } from './feature-matrix.ts';
import { addDotRows, mirrorUpper, transpose } from './linalg/dot-rows.ts';

const MAGIC = 'DALESTAT';
const FORMAT_VERSION = 1;

/**
 * Running sums over feature vectors: count n, Σ(x − c) and Σ(x − c)(x − c)ᵀ about a shift c (the
 * first batch's mean, which keeps the covariance free of cancellation when the mean is large). All in
 * float64. `add` batches in any order and size; `mean()` and `covariance()` (unbiased, n − 1) read
 * the result.
 */
export class FeatureStatistics {
  /** Feature dimension d. */
  readonly dim: number;
  #count = 0;
  #shift: Float64Array | undefined;
  readonly #sum: Float64Array;
  /** Upper triangle (row-major d × d) of Σ(x − c)(x − c)ᵀ; the lower triangle is filled on read. */
  readonly #scatter: Float64Array;

  /** Empty statistics for `dim`-dimensional features. */
  constructor(dim: number) {
    if (!Number.isInteger(dim) || dim < 1) {
      throw new DaleError(
        'invalid-features',
        `FeatureStatistics: dim must be a positive integer, got ${dim}`,
      );
    }
    this.dim = dim;
    this.#sum = new Float64Array(dim);
    this.#scatter = new Float64Array(dim * dim);
  }

  /** Number of feature vectors added so far. */
  get count(): number {
    return this.#count;
  }

  /** Add a batch of feature vectors (rows); a tensor is read, not disposed. Returns `this`. */
  add(features: Features): this {
    const m = toFeatureMatrix(features);
    if (m.dim !== this.dim) {
      throw new DaleError(
        'invalid-features',
        `FeatureStatistics.add: features must have dim ${this.dim}, got ${m.dim}`,
      );
    }
    if (m.rows === 0) return this;
    const d = this.dim;
    if (!this.#shift) {
      const shift = new Float64Array(d);
      for (let r = 0; r < m.rows; r++) for (let j = 0; j < d; j++) shift[j]! += m.data[r * d + j]!;
      for (let j = 0; j < d; j++) shift[j]! /= m.rows;
      this.#shift = shift;
    }
    const shift = this.#shift;
    // Centred batch, transposed to d × rows so each feature's values are contiguous.
    const centred = transpose(m.data, m.rows, d);
    for (let j = 0; j < d; j++) {
      const row = centred.subarray(j * m.rows, (j + 1) * m.rows);
      let s = 0;
      for (let r = 0; r < m.rows; r++) {
        row[r]! -= shift[j]!;
        s += row[r]!;
      }
      this.#sum[j]! += s;
    }
    const view = { data: centred, rows: d, cols: m.rows };
    addDotRows(view, view, this.#scatter, { upperOnly: true });
    this.#count += m.rows;
    return this;
  }

  /** The mean vector μ (float64). */
  mean(): Float64Array {
    this.#requireSamples(1, 'mean');
    const mu = new Float64Array(this.dim);
    for (let j = 0; j < this.dim; j++) mu[j] = this.#shift![j]! + this.#sum[j]! / this.#count;
    return mu;
  }

  /** The unbiased covariance Σ = (Σ(x − c)(x − c)ᵀ − n δ δᵀ)/(n − 1), δ = mean − c; d × d row-major. */
  covariance(): Float64Array {
    this.#requireSamples(2, 'covariance');
    const d = this.dim;
    const n = this.#count;
    const cov = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      const si = this.#sum[i]!;
      for (let j = i; j < d; j++) {
        cov[i * d + j] = (this.#scatter[i * d + j]! - (si * this.#sum[j]!) / n) / (n - 1);
      }
    }
    return mirrorUpper(cov, d);
  }

  /**
   * The statistics as bytes: the ASCII magic `DALESTAT`, a little-endian uint32 header length, a JSON
   * header `{ version, dim, count, dtype: 'float64', arrays }`, zero padding to a multiple of 8, then
   * the float64 little-endian arrays shift (d), sum (d) and scatter (d × d, upper triangle filled).
   */
  toBytes(): Uint8Array {
    const d = this.dim;
    const header = new TextEncoder().encode(
      JSON.stringify({
        version: FORMAT_VERSION,
        dim: d,
        count: this.#count,
        dtype: 'float64',
        arrays: ['shift', 'sum', 'scatter'],
      }),
    );
    const start = Math.ceil((12 + header.length) / 8) * 8;
    const bytes = new Uint8Array(start + 8 * (2 * d + d * d));
    bytes.set(new TextEncoder().encode(MAGIC), 0);
    new DataView(bytes.buffer).setUint32(8, header.length, true);
    bytes.set(header, 12);
    const body = new DataView(bytes.buffer, start);
    const shift = this.#shift ?? new Float64Array(d);
    let o = 0;
    for (const array of [shift, this.#sum, this.#scatter]) {
      for (let i = 0; i < array.length; i++, o += 8) body.setFloat64(o, array[i]!, true);
    }
    return bytes;
  }

  /** Statistics written by {@link FeatureStatistics.toBytes}, restored exactly. */
  static fromBytes(bytes: Uint8Array): FeatureStatistics {
    const fail = (what: string) =>
      new DaleError('invalid-statistics', `FeatureStatistics.fromBytes: ${what}`);
    if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
      throw fail(`bytes must start with the magic ${MAGIC}`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = view.getUint32(8, true);
    let header: { version?: unknown; dim?: unknown; count?: unknown };
    try {
      header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
    } catch (cause) {
      throw fail(`header must be JSON (${String(cause)})`);
    }
    if (header.version !== FORMAT_VERSION)
      throw fail(`version must be ${FORMAT_VERSION}, got ${String(header.version)}`);
    const { dim, count } = header;
    if (
      typeof dim !== 'number' ||
      typeof count !== 'number' ||
      !Number.isInteger(count) ||
      count < 0
    ) {
      throw fail(`header must give integer dim and count, got ${String(dim)} and ${String(count)}`);
    }
    const start = Math.ceil((12 + headerLength) / 8) * 8;
    const expected = start + 8 * (2 * dim + dim * dim);
    if (bytes.length !== expected)
      throw fail(`expected ${expected} bytes for dim ${dim}, got ${bytes.length}`);
    const stats = new FeatureStatistics(dim);
    const read = (offset: number, length: number) => {
      const out = new Float64Array(length);
      for (let i = 0; i < length; i++) out[i] = view.getFloat64(start + 8 * (offset + i), true);
      return out;
    };
    stats.#count = count;
    if (count > 0) stats.#shift = read(0, dim);
    stats.#sum.set(read(dim, dim));
    stats.#scatter.set(read(2 * dim, dim * dim));
    return stats;
  }

  #requireSamples(min: number, what: string): void {
    if (this.#count < min) {
      throw new DaleError(
        'not-enough-samples',
        `FeatureStatistics.${what}: needs at least ${min} feature vectors, got ${this.#count}`,
      );
    }
  }
}

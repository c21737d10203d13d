import { DaleError, type Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { BYTE_VALUES } from '../image/pixels.ts';
import type { Batch, LastBatchPolicy } from './batch.ts';

/** What an {@link ImageDataset} is built from. */
export interface ImageDatasetInit {
  /** N·H·W·C values, NHWC: bytes (read as k/255) or floats already in [0, 1]. */
  readonly pixels: Uint8Array | Float32Array;
  /** N integer labels ≥ 0. */
  readonly labels: ArrayLike<number>;
  /** [H, W, C]. */
  readonly shape: readonly [number, number, number];
  /** Class names, indexed by label; labels must then be below their count. */
  readonly classNames?: readonly string[];
  /** A name for messages, e.g. `'mnist/train'`. */
  readonly name?: string;
}

/** Options of {@link ImageDataset.batches}. */
export interface BatchOptions {
  /** Examples per batch (a positive integer). */
  readonly batchSize: number;
  /** Shuffle with this generator, a new permutation each epoch; in order when absent. */
  readonly rng?: Rng;
  /**
   * The last, partial batch of an epoch: `'keep'` it (default), `'drop'` it, or `'wrap'` it into
   * the next epoch so every batch is full (a final remainder after the last epoch is dropped).
   */
  readonly lastBatch?: LastBatchPolicy;
  /** Number of epochs; default Infinity (an endless stream). */
  readonly epochs?: number;
}

/** Options of {@link ImageDataset.epoch}. */
export type EpochOptions = Omit<BatchOptions, 'epochs' | 'lastBatch'> & {
  readonly lastBatch?: 'keep' | 'drop';
};

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new DaleError('invalid-batch', `batchSize must be a positive integer, got ${batchSize}`);
  }
}

/**
 * Images (NHWC) with integer labels, held in memory as bytes or floats, handed out as
 * float32 tensors in [0, 1]: shuffled epochs or an endless stream of batches, subsets, class
 * filtering and class-average images.
 *
 * @example
 * ```ts
 * for (const batch of dataset.batches({ batchSize: 128, rng: Rng.fromSeed(0), epochs: 1 })) {
 *   train(batch.images, batch.labels);
 *   batch.dispose();
 * }
 * ```
 */
export class ImageDataset {
  /** A name for messages, e.g. `'mnist/train'`. */
  readonly name: string;
  /** Number of examples. */
  readonly size: number;
  /** [H, W, C]. */
  readonly shape: readonly [number, number, number];
  /** One label per example. */
  readonly labels: Int32Array;
  /** Class names indexed by label (empty when unknown). */
  readonly classNames: readonly string[];
  readonly #pixels: Uint8Array | Float32Array;
  readonly #imageSize: number;

  constructor(init: ImageDatasetInit) {
    const [h, w, c] = init.shape;
    this.name = init.name ?? 'dataset';
    if (![h, w, c].every((d) => Number.isInteger(d) && d > 0)) {
      throw new DaleError(
        'invalid-dataset',
        `${this.name}: shape must be three positive integers [H, W, C], got [${init.shape.join(', ')}]`,
      );
    }
    this.shape = [h, w, c];
    this.#imageSize = h * w * c;
    this.size = init.labels.length;
    if (init.pixels.length !== this.size * this.#imageSize) {
      throw new DaleError(
        'invalid-dataset',
        `${this.name}: ${this.size} labels and images of shape [${h}, ${w}, ${c}] need ${this.size * this.#imageSize} pixel values, got ${init.pixels.length}`,
      );
    }
    this.classNames = init.classNames ? [...init.classNames] : [];
    this.labels = Int32Array.from(init.labels);
    const limit = this.classNames.length || Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.size; i++) {
      const label = this.labels[i]!;
      if (!(label >= 0 && label < limit) || label !== init.labels[i]) {
        throw new DaleError(
          'invalid-dataset',
          `${this.name}: label ${init.labels[i]} of example ${i} is not an integer in [0, ${limit})`,
        );
      }
    }
    this.#pixels = init.pixels;
  }

  /** Image height. */
  get height(): number {
    return this.shape[0];
  }

  /** Image width. */
  get width(): number {
    return this.shape[1];
  }

  /** Channels per pixel. */
  get channels(): number {
    return this.shape[2];
  }

  /** Number of classes: the class names' count, else the largest label + 1. */
  get numClasses(): number {
    if (this.classNames.length) return this.classNames.length;
    let max = -1;
    for (const l of this.labels) if (l > max) max = l;
    return max + 1;
  }

  /** The stored pixels (bytes are k/255), NHWC. Read-only by convention. */
  get pixels(): Uint8Array | Float32Array {
    return this.#pixels;
  }

  /** Examples per class, indexed by label. */
  classCounts(): number[] {
    const counts = new Array<number>(this.numClasses).fill(0);
    for (const l of this.labels) counts[l]! += 1;
    return counts;
  }

  #checkIndex(index: number): void {
    if (!(Number.isInteger(index) && index >= 0 && index < this.size)) {
      throw new DaleError(
        'invalid-index',
        `${this.name}: index ${index} is outside [0, ${this.size})`,
      );
    }
  }

  /** The values of examples `indices`, concatenated HWC images as float32 in [0, 1]. */
  values(indices: ArrayLike<number>): Float32Array {
    const size = this.#imageSize;
    const out = new Float32Array(indices.length * size);
    const source = this.#pixels;
    for (let b = 0; b < indices.length; b++) {
      const index = indices[b]!;
      this.#checkIndex(index);
      const start = index * size;
      if (source instanceof Float32Array) out.set(source.subarray(start, start + size), b * size);
      else for (let i = 0; i < size; i++) out[b * size + i] = BYTE_VALUES[source[start + i]!]!;
    }
    return out;
  }

  /** A batch of the examples `indices` (in that order). */
  batch(indices: ArrayLike<number>, epoch = 0): Batch {
    const values = this.values(indices);
    const labelValues = Int32Array.from(indices, (i) => this.labels[i]!);
    const images = tf.tensor4d(values, [indices.length, ...this.shape], 'float32');
    const labels = tf.tensor1d(labelValues, 'int32');
    return {
      images,
      labels,
      labelValues,
      indices: Uint32Array.from(indices),
      epoch,
      dispose: () => {
        images.dispose();
        labels.dispose();
      },
    };
  }

  /**
   * Batches over `epochs` epochs (default: endless), reshuffled each epoch when `rng` is given.
   * Each batch's tensors belong to the caller.
   */
  *batches(options: BatchOptions): Generator<Batch, void, undefined> {
    const { batchSize, rng } = options;
    checkBatchSize(batchSize);
    const policy = options.lastBatch ?? 'keep';
    const epochs = options.epochs ?? Number.POSITIVE_INFINITY;
    if (!(epochs >= 0)) throw new DaleError('invalid-batch', `epochs must be >= 0, got ${epochs}`);
    if (policy === 'drop' && batchSize > this.size && epochs === Number.POSITIVE_INFINITY) {
      throw new DaleError(
        'invalid-batch',
        `${this.name}: batchSize ${batchSize} exceeds the ${this.size} examples, so dropping partial batches would yield nothing forever`,
      );
    }
    let pending: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = rng
        ? rng.permutation(this.size)
        : Uint32Array.from({ length: this.size }, (_, i) => i);
      for (const index of order) {
        pending.push(index);
        if (pending.length === batchSize) {
          yield this.batch(pending, epoch);
          pending = [];
        }
      }
      if (pending.length > 0 && policy !== 'wrap') {
        if (policy === 'keep') yield this.batch(pending, epoch);
        pending = [];
      }
    }
  }

  /** One epoch of batches (the last one partial unless `lastBatch: 'drop'`). */
  epoch(options: EpochOptions): Generator<Batch, void, undefined> {
    return this.batches({ ...options, epochs: 1 });
  }

  /** A new dataset of the examples `indices` (copied), in that order. */
  subset(indices: ArrayLike<number>, name = `${this.name}[subset]`): ImageDataset {
    const size = this.#imageSize;
    const pixels =
      this.#pixels instanceof Float32Array
        ? new Float32Array(indices.length * size)
        : new Uint8Array(indices.length * size);
    for (let b = 0; b < indices.length; b++) {
      this.#checkIndex(indices[b]!);
      const start = indices[b]! * size;
      pixels.set(this.#pixels.subarray(start, start + size), b * size);
    }
    return new ImageDataset({
      pixels,
      labels: Int32Array.from(indices, (i) => this.labels[i]!),
      shape: this.shape,
      classNames: this.classNames,
      name,
    });
  }

  /** The first `n` examples (all of them when `n` ≥ size), for tests and demos. */
  head(n: number): ImageDataset {
    if (!Number.isInteger(n) || n < 1)
      throw new DaleError('invalid-index', `head(n) needs a positive integer, got ${n}`);
    const count = Math.min(n, this.size);
    return this.subset(
      Uint32Array.from({ length: count }, (_, i) => i),
      `${this.name}[:${count}]`,
    );
  }

  #classIndex(cls: number | string): number {
    const index = typeof cls === 'string' ? this.classNames.indexOf(cls) : cls;
    if (!(Number.isInteger(index) && index >= 0 && index < this.numClasses)) {
      throw new DaleError(
        'invalid-class',
        `${this.name}: unknown class ${JSON.stringify(cls)} (classes: ${this.classNames.length ? this.classNames.join(', ') : `0..${this.numClasses - 1}`})`,
      );
    }
    return index;
  }

  /** The examples whose label is one of `classes` (labels or class names); labels are kept. */
  filterClasses(classes: readonly (number | string)[]): ImageDataset {
    const keep = new Set(classes.map((c) => this.#classIndex(c)));
    const indices: number[] = [];
    for (let i = 0; i < this.size; i++) if (keep.has(this.labels[i]!)) indices.push(i);
    if (indices.length === 0) {
      throw new DaleError(
        'empty-dataset',
        `${this.name}: no examples of classes ${[...keep].join(', ')}`,
      );
    }
    return this.subset(indices, `${this.name}[classes ${[...keep].join(',')}]`);
  }

  /**
   * The mean image of each class in `classes` (default: all), as [K, H, W, C] values in [0, 1]
   * accumulated in float64. Used for the sampler's class-average start (guide: §7).
   */
  classAverageValues(classes?: readonly (number | string)[]): Float32Array {
    const wanted = (classes ?? Array.from({ length: this.numClasses }, (_, k) => k)).map((c) =>
      this.#classIndex(c),
    );
    const slot = new Map<number, number>();
    wanted.forEach((k, i) => {
      if (!slot.has(k)) slot.set(k, i);
    });
    const size = this.#imageSize;
    const sums = new Float64Array(wanted.length * size);
    const counts = new Array<number>(wanted.length).fill(0);
    const source = this.#pixels;
    const scale = source instanceof Float32Array ? 1 : 1 / 255;
    for (let i = 0; i < this.size; i++) {
      const s = slot.get(this.labels[i]!);
      if (s === undefined) continue;
      counts[s]! += 1;
      for (let j = 0; j < size; j++) sums[s * size + j]! += source[i * size + j]!;
    }
    const out = new Float32Array(wanted.length * size);
    wanted.forEach((k, i) => {
      const s = slot.get(k)!;
      if (counts[s] === 0)
        throw new DaleError('empty-class', `${this.name}: class ${k} has no examples`);
      for (let j = 0; j < size; j++) out[i * size + j] = (sums[s * size + j]! * scale) / counts[s]!;
    });
    return out;
  }

  /** {@link ImageDataset.classAverageValues} as a [K, H, W, C] tensor. */
  classAverages(classes?: readonly (number | string)[]): tf.Tensor4D {
    const values = this.classAverageValues(classes);
    return tf.tensor4d(values, [values.length / this.#imageSize, ...this.shape], 'float32');
  }

  /** Every image as one [N, H, W, C] tensor (mind the memory for large sets). */
  toTensor(): tf.Tensor4D {
    return tf.tensor4d(
      this.values(Uint32Array.from({ length: this.size }, (_, i) => i)),
      [this.size, ...this.shape],
      'float32',
    );
  }
}

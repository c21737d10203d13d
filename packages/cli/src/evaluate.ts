/**
 * Sample-quality figures of images from any source (a checkpoint's sampler, or real images as a
 * check of the wiring): features are streamed batch by batch into FID statistics, kept as an
 * n × d matrix only for KID and precision/recall, and a few images are kept for the
 * nearest-neighbour check; a domain classifier's predictions give confidence and class counts.
 * @module
 */
import { DaleError, Rng } from '@dale/core';
import type { ImageDataset } from '@dale/data';
import {
  type FeatureExtractor,
  type FeatureMatrix,
  FeatureStatistics,
  fid,
  kid,
  type NearestNeighbourReport,
  neighbourSheet,
  precisionRecall,
} from '@dale/metrics';
import * as tf from '@tensorflow/tfjs-core';
import { nearestTrainingImages } from './neighbours.ts';
import type { ReferenceFeatures } from './reference.ts';

/** The metrics of `dale eval --metrics`. */
export const METRIC_NAMES = ['fid', 'kid', 'pr', 'nn'] as const;

/** A metric of `dale eval --metrics`: FID, KID, precision/recall, nearest training neighbours. */
export type MetricName = (typeof METRIC_NAMES)[number];

/** KID's subsets and their size (the reference's 64 of 64). */
export const KID_SUBSETS = 64;
/** KID's subset size when enough samples exist. */
export const KID_SUBSET_SIZE = 64;
/** The neighbourhood size of precision and recall (Kynkäänniemi et al. 2019). */
export const PR_K = 3;
/** Samples (and held-out real images) whose nearest training images are looked up. */
export const NN_SAMPLES = 8;
/** Training neighbours per sample in the nearest-neighbour check. */
export const NN_K = 3;
/** A sample is "confident" when the classifier's largest softmax probability reaches this. */
export const CONFIDENCE_THRESHOLD = 0.9;

/**
 * Where the images come from: `count` images [count, h, w, c] in [0, 1] for batch `index`
 * (0, 1, …); `evaluateSamples` disposes them.
 */
export type SampleSource = (count: number, index: number) => Promise<tf.Tensor4D>;

/** A classifier of images [N, h, w, c] in [0, 1]: logits [N, classes] (the caller disposes them). */
export interface ImageClassifier {
  classify(images: tf.Tensor4D): tf.Tensor2D;
}

/** Options of {@link evaluateSamples}. */
export interface EvaluateOptions {
  /** The images to evaluate. */
  readonly source: SampleSource;
  /** Number of images (at least 2). */
  readonly n: number;
  /** Images per call of `source`. */
  readonly batchSize: number;
  /** Which metrics to compute. */
  readonly metrics: readonly MetricName[];
  /** The feature extractor of FID, KID and precision/recall (the reference's). */
  readonly extractor: FeatureExtractor;
  /** The real images and their features under `extractor`. */
  readonly reference: ReferenceFeatures;
  /** A classifier for the confidence and the class histogram; none: those figures are null. */
  readonly classifier?: ImageClassifier | undefined;
  /** The training images, for `nn`. */
  readonly training?: ImageDataset | undefined;
  /** The random subsets of KID and precision/recall; default `Rng.fromSeed(0)`. */
  readonly rng?: Rng;
  /** Called after each batch with the number of images done. */
  readonly onBatch?: (done: number) => void;
  /**
   * The classes the images of batch `index` were asked to be (a class-conditional model), or
   * undefined: with a classifier, the fraction classified as asked is then measured.
   */
  readonly requestedLabels?: (count: number, index: number) => Int32Array | undefined;
  /**
   * Whether an error of `source` means "stop here" (e.g. Ctrl-C): the figures are then computed
   * on the images done so far (at least 2; {@link EvalResult.measured} says how many) instead of
   * the error being thrown, so an interrupted evaluation keeps what it measured.
   */
  readonly isStop?: (error: unknown) => boolean;
}

/** KID's mean and standard deviation over subsets, and the subsets used. */
export interface KidFigures {
  readonly mean: number;
  readonly std: number;
  readonly subsets: number;
  readonly subsetSize: number;
}

/** Precision and recall, the k and the sample counts of each side. */
export interface PrecisionRecallFigures {
  readonly precision: number;
  readonly recall: number;
  readonly k: number;
  /** Real images used: a random subset of the reference as large as the generated set. */
  readonly realSamples: number;
  readonly generatedSamples: number;
}

/** The nearest training images of the first samples and, for scale, of held-out real images. */
export interface NeighbourFigures {
  /** Distances are Euclidean between pixel vectors in [0, 1]. */
  readonly space: 'pixels';
  readonly samples: number;
  readonly k: number;
  /** `indices[i]`: the training indices of sample i's neighbours, closest first. */
  readonly indices: number[][];
  /** `distances[i]`: their distances. */
  readonly distances: number[][];
  /** Mean distance of a sample to its nearest training image. */
  readonly meanNearestDistance: number;
  /** The same for as many held-out real images (the reference's first): what no copying looks like. */
  readonly heldOutMeanNearestDistance: number;
  /** meanNearestDistance / heldOutMeanNearestDistance: well below 1 hints at memorised images. */
  readonly ratio: number;
}

/** The classifier's view of the samples. */
export interface ClassifierFigures {
  /** The probability a sample's top class must reach to count as confident. */
  readonly threshold: number;
  /** Fraction of samples whose largest softmax probability is ≥ threshold. */
  readonly confidentFraction: number;
  /** Mean of the largest softmax probability. */
  readonly meanMaxProbability: number;
  /** Samples per predicted class (argmax), indexed by class; sums to n. */
  readonly histogram: number[];
  /**
   * Fraction of samples whose predicted class (argmax) is the class they were asked for, or
   * null when the samples were not asked for classes.
   */
  readonly asRequestedFraction: number | null;
}

/** Every figure of {@link evaluateSamples}; a metric that was not asked for is `null`. */
export interface EvalFigures {
  readonly fid: number | null;
  readonly kid: KidFigures | null;
  readonly precisionRecall: PrecisionRecallFigures | null;
  readonly nearestNeighbours: NeighbourFigures | null;
  readonly classifier: ClassifierFigures | null;
  /** Caveats of these figures (small subsets, reduced k, …). */
  readonly notes: string[];
}

/** What {@link evaluateSamples} returns. */
export interface EvalResult {
  readonly figures: EvalFigures;
  /** The images measured: `n`, or fewer when `isStop` stopped the evaluation early. */
  readonly measured: number;
  /** With `nn`: the PNG of `neighbourSheet` (each sample, then its training neighbours). */
  readonly sheet?: Uint8Array;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Streams the classifier's predictions into the confidence and the histogram. */
class PredictionTally {
  readonly #classifier: ImageClassifier;
  #histogram: number[] = [];
  #confident = 0;
  #maxSum = 0;
  #count = 0;
  #asked = 0;
  #asRequested = 0;

  constructor(classifier: ImageClassifier) {
    this.#classifier = classifier;
  }

  add(images: tf.Tensor4D, requested?: Int32Array): void {
    const logits = this.#classifier.classify(images);
    const [top, cls] = tf.tidy(() => {
      const probabilities = tf.softmax(logits);
      return [tf.max(probabilities, 1), tf.argMax(probabilities, 1)];
    });
    if (this.#histogram.length === 0) this.#histogram = new Array<number>(logits.shape[1]).fill(0);
    logits.dispose();
    const p = top.dataSync();
    const k = cls.dataSync();
    tf.dispose([top, cls]);
    for (let i = 0; i < p.length; i++) {
      this.#histogram[k[i]!]! += 1;
      this.#maxSum += p[i]!;
      if (p[i]! >= CONFIDENCE_THRESHOLD) this.#confident += 1;
      if (requested) {
        this.#asked += 1;
        if (requested[i] === k[i]) this.#asRequested += 1;
      }
    }
    this.#count += p.length;
  }

  figures(): ClassifierFigures {
    return {
      threshold: CONFIDENCE_THRESHOLD,
      confidentFraction: this.#confident / this.#count,
      meanMaxProbability: this.#maxSum / this.#count,
      histogram: this.#histogram,
      asRequestedFraction: this.#asked > 0 ? this.#asRequested / this.#asked : null,
    };
  }
}

function rowsOf(m: FeatureMatrix, order: ArrayLike<number>, count: number): FeatureMatrix {
  const data = new Float32Array(count * m.dim);
  for (let r = 0; r < count; r++) {
    const from = order[r]! * m.dim;
    data.set(m.data.subarray(from, from + m.dim), r * m.dim);
  }
  return { data, rows: count, dim: m.dim };
}

function mean(values: ArrayLike<number>, stride: number, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[i * stride]!;
  return sum / count;
}

/**
 * Evaluate `n` images from `source` against `reference`: FID (streamed statistics), KID
 * (`KID_SUBSETS` subsets of up to `KID_SUBSET_SIZE`), precision/recall (k = `PR_K`, against a
 * random reference subset of n images), the nearest training images of the first `NN_SAMPLES`
 * images with a contact sheet, and — with a classifier — the confident fraction and the class
 * histogram. Memory: the features of the n images (n × d floats) for KID and precision/recall,
 * and `NN_SAMPLES` images; batches are disposed as soon as their features are taken.
 */
export async function evaluateSamples(options: EvaluateOptions): Promise<EvalResult> {
  const { batchSize, extractor, reference, metrics } = options;
  let n = options.n;
  if (!Number.isInteger(n) || n < 2) {
    throw new DaleError('invalid-option', `evaluateSamples: n must be an integer >= 2, got ${n}`);
  }
  if (metrics.includes('nn') && !options.training) {
    throw new DaleError(
      'invalid-option',
      'evaluateSamples: the nn metric needs the training images (options.training)',
    );
  }
  const dim = extractor.featureDim;
  const shape = reference.images.shape;
  const tile = shape[0] * shape[1] * shape[2];
  const stats = metrics.includes('fid') ? new FeatureStatistics(dim) : undefined;
  const keepFeatures = metrics.includes('kid') || metrics.includes('pr');
  const generated = keepFeatures ? new Float32Array(n * dim) : undefined;
  let nnCount = metrics.includes('nn') ? Math.min(NN_SAMPLES, n) : 0;
  const firstImages = new Float32Array(nnCount * tile);
  const tally = options.classifier ? new PredictionTally(options.classifier) : undefined;

  for (let index = 0, done = 0; done < n; index++) {
    const count = Math.min(batchSize, n - done);
    let images: tf.Tensor4D;
    try {
      images = await options.source(count, index);
    } catch (error) {
      if (!(done >= 2 && options.isStop?.(error))) throw error;
      // Stopped: measure the `done` images so far.
      n = done;
      nnCount = Math.min(nnCount, done);
      break;
    }
    try {
      if (!sameShape(images.shape, [count, ...shape])) {
        throw new DaleError(
          'invalid-image',
          `evaluateSamples: batch ${index} must be images [${[count, ...shape].join(', ')}] like ${reference.images.name}, got [${images.shape.join(', ')}]`,
        );
      }
      const features = extractor.extract(images);
      try {
        const rows = { data: features.dataSync() as Float32Array, rows: count, dim };
        stats?.add(rows);
        generated?.set(rows.data, done * dim);
      } finally {
        features.dispose();
      }
      tally?.add(images, options.requestedLabels?.(count, index));
      if (done < nnCount) {
        const take = Math.min(count, nnCount - done);
        const values = images.dataSync() as Float32Array;
        firstImages.set(values.subarray(0, take * tile), done * tile);
      }
    } finally {
      images.dispose();
    }
    done += count;
    options.onBatch?.(done);
  }

  const notes: string[] = [];
  const rng = options.rng ?? Rng.fromSeed(0);
  const generatedFeatures: FeatureMatrix | undefined = generated && {
    data: generated.subarray(0, n * dim),
    rows: n,
    dim,
  };
  let kidFigures: KidFigures | null = null;
  if (metrics.includes('kid') && generatedFeatures) {
    const subsetSize = Math.min(KID_SUBSET_SIZE, n, reference.features.rows);
    if (subsetSize < KID_SUBSET_SIZE) {
      notes.push(
        `KID uses ${KID_SUBSETS} subsets of ${subsetSize} (not ${KID_SUBSET_SIZE}): only ${n} samples`,
      );
    }
    const result = kid(reference.features, generatedFeatures, {
      subsets: KID_SUBSETS,
      subsetSize,
      rng: rng.split('kid'),
    });
    kidFigures = { mean: result.mean, std: result.std, subsets: KID_SUBSETS, subsetSize };
  }
  let prFigures: PrecisionRecallFigures | null = null;
  if (metrics.includes('pr') && generatedFeatures) {
    const realCount = Math.min(n, reference.features.rows);
    const real = rowsOf(
      reference.features,
      rng.split('pr').permutation(reference.features.rows),
      realCount,
    );
    const k = Math.min(PR_K, realCount - 1, n - 1);
    if (k < PR_K) notes.push(`precision/recall use k = ${k} (not ${PR_K}): only ${n} samples`);
    const { precision, recall } = precisionRecall(real, generatedFeatures, { k });
    prFigures = { precision, recall, k, realSamples: realCount, generatedSamples: n };
  }
  let neighbours: NeighbourFigures | null = null;
  let sheet: Uint8Array | undefined;
  if (nnCount > 0 && options.training) {
    const heldOut = reference.images.values(Uint32Array.from({ length: nnCount }, (_, i) => i));
    const queries = new Float32Array(2 * nnCount * tile);
    queries.set(firstImages.subarray(0, nnCount * tile));
    queries.set(heldOut, nnCount * tile);
    const report = nearestTrainingImages(
      { data: queries, rows: 2 * nnCount, dim: tile },
      options.training,
      NN_K,
    );
    const k = report.k;
    const meanNearest = mean(report.distances, k, nnCount);
    const heldOutNearest = mean(report.distances.subarray(nnCount * k), k, nnCount);
    neighbours = {
      space: 'pixels',
      samples: nnCount,
      k,
      indices: Array.from({ length: nnCount }, (_, i) =>
        Array.from(report.indices.subarray(i * k, (i + 1) * k)),
      ),
      distances: Array.from({ length: nnCount }, (_, i) =>
        Array.from(report.distances.subarray(i * k, (i + 1) * k)),
      ),
      meanNearestDistance: meanNearest,
      heldOutMeanNearestDistance: heldOutNearest,
      ratio: meanNearest / heldOutNearest,
    };
    sheet = sheetOf(firstImages.subarray(0, nnCount * tile), nnCount, report, options.training);
  }
  return {
    measured: n,
    figures: {
      fid: stats ? fid(reference.stats, stats) : null,
      kid: kidFigures,
      precisionRecall: prFigures,
      nearestNeighbours: neighbours,
      classifier: tally ? tally.figures() : null,
      notes,
    },
    ...(sheet ? { sheet } : {}),
  };
}

/** The contact sheet of the first `count` samples and their neighbours (only those are read). */
function sheetOf(
  samples: Float32Array,
  count: number,
  report: NearestNeighbourReport,
  training: ImageDataset,
): Uint8Array {
  const k = report.k;
  const used = report.indices.subarray(0, count * k);
  const own: NearestNeighbourReport = {
    count,
    k,
    indices: Int32Array.from(used, (_, i) => i),
    distances: report.distances.subarray(0, count * k),
  };
  const shape = training.shape;
  const sampleImages = tf.tensor4d(samples, [count, ...shape]);
  const neighbourImages = tf.tensor4d(training.values(used), [count * k, ...shape]);
  try {
    return neighbourSheet(sampleImages, neighbourImages, own);
  } finally {
    tf.dispose([sampleImages, neighbourImages]);
  }
}

import { DaleError } from '@dale/core';

/**
 * A data file is malformed: wrong magic number, truncated, inconsistent header, mismatched
 * image and label counts, unsupported layout, checksum mismatch, a non-image file in an image
 * folder, and so on. Every reader in `@dale/data` reports bad input with this error only (code
 * `'dataset-format'`), never with a partial dataset.
 *
 * @example
 * ```ts
 * try {
 *   readIdx(bytes, 'train-images-idx3-ubyte.gz');
 * } catch (e) {
 *   if (e instanceof DatasetFormatError) console.error(e.file, e.problem);
 * }
 * ```
 */
export class DatasetFormatError extends DaleError {
  /** The file (path or name) that is malformed. */
  readonly file: string;
  /** What is wrong with it, without the file name. */
  readonly problem: string;

  constructor(file: string, problem: string, options?: ErrorOptions) {
    super('dataset-format', `${file}: ${problem}`, options);
    this.name = 'DatasetFormatError';
    this.file = file;
    this.problem = problem;
  }
}

/**
 * A dataset's files could be found neither locally nor by downloading (code
 * `'dataset-unavailable'`). The message lists every missing file, every place that was searched,
 * why each download failed, and how to point dale at local copies.
 */
export class DatasetUnavailableError extends DaleError {
  /** The dataset id, e.g. `'mnist'`. */
  readonly dataset: string;
  /** The file names that are missing. */
  readonly missing: readonly string[];
  /** The directories that were searched, in order. */
  readonly searched: readonly string[];

  constructor(
    dataset: string,
    missing: readonly string[],
    searched: readonly string[],
    message: string,
    options?: ErrorOptions,
  ) {
    super('dataset-unavailable', message, options);
    this.name = 'DatasetUnavailableError';
    this.dataset = dataset;
    this.missing = missing;
    this.searched = searched;
  }
}

/**
 * A download failed for good (code `'download-failed'`): every attempt hit a network error, a
 * timeout, an HTTP error or a checksum mismatch. Nothing was written to the destination.
 */
export class DownloadError extends DaleError {
  /** The URL that failed. */
  readonly url: string;
  /** How many attempts were made. */
  readonly attempts: number;

  constructor(url: string, attempts: number, reason: string, options?: ErrorOptions) {
    super(
      'download-failed',
      `${url}: ${reason} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`,
      options,
    );
    this.name = 'DownloadError';
    this.url = url;
    this.attempts = attempts;
  }
}

/**
 * Downloads with retries, exponential backoff, an inactivity timeout, progress reports and
 * checksum verification; the file appears at its destination only once complete and verified.
 * @module
 */
import type { Checksum } from '../catalog.ts';
import { DownloadError } from '../errors.ts';
import { AtomicFile } from './atomic-file.ts';
import { algorithmName, createChecksumHash } from './checksum.ts';

/** Progress of one download. */
export interface DownloadProgress {
  readonly url: string;
  /** Bytes received so far in this attempt. */
  readonly received: number;
  /** Expected total (Content-Length, else the known size), or undefined. */
  readonly total: number | undefined;
  /** 1-based attempt number. */
  readonly attempt: number;
}

/** A failed attempt that will be retried. */
export interface RetryInfo {
  readonly url: string;
  /** The attempt that failed (1-based). */
  readonly attempt: number;
  /** Why it failed. */
  readonly reason: string;
  /** Milliseconds waited before the next attempt. */
  readonly delayMs: number;
}

/** How downloads retry and time out. */
export interface RetryOptions {
  /** Retries after the first attempt; default 3. */
  readonly retries?: number;
  /** Delay before the first retry in ms; doubled after each (capped at `maxBackoffMs`); default 1000. */
  readonly backoffMs?: number;
  /** Largest delay between attempts; default 30000. */
  readonly maxBackoffMs?: number;
  /** Abort an attempt when no response or no data arrives for this long, in ms; default 30000. */
  readonly timeoutMs?: number;
  /** Called with bytes received / total as data arrives. */
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Called before each retry. */
  readonly onRetry?: (info: RetryInfo) => void;
}

/** Options of {@link downloadFile}. */
export interface DownloadOptions extends RetryOptions {
  /** Verify the data before publishing it; a mismatch fails the attempt. */
  readonly checksum?: Checksum;
  /** Known size, the progress total when the server sends no Content-Length. */
  readonly expectedBytes?: number;
}

/** The delay before retry `retry` (0-based): backoffMs · 2^retry, capped at maxBackoffMs. */
export function backoffDelay(retry: number, backoffMs = 1000, maxBackoffMs = 30_000): number {
  return Math.min(maxBackoffMs, backoffMs * 2 ** retry);
}

/** An attempt failure; `permanent` ones (HTTP 4xx but 408/429) are not retried. */
class AttemptError extends Error {
  readonly permanent: boolean;

  constructor(message: string, permanent = false) {
    super(message);
    this.permanent = permanent;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function attempt(
  url: string,
  dest: string,
  options: DownloadOptions,
  attemptNumber: number,
): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), timeoutMs);
  };
  const failure = (error: unknown): AttemptError => {
    if (error instanceof AttemptError) return error;
    const system = error as { syscall?: string; code?: string; message?: string };
    if (system.syscall) return new AttemptError(`cannot write ${dest}: ${system.message}`, true);
    if (controller.signal.aborted)
      return new AttemptError(`timed out: no data for ${timeoutMs} ms (timeoutMs)`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message;
    return new AttemptError(
      `network error: ${(error as Error).message}${detail ? ` (${detail})` : ''}`,
    );
  };
  arm();
  let file: AtomicFile | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    const response = await fetch(url, {
      signal: controller.signal,
      redirect: 'follow',
      // The checksum covers the bytes as published; no transparent decompression.
      headers: { 'accept-encoding': 'identity' },
    });
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => {});
      const retryable =
        response.status >= 500 || response.status === 408 || response.status === 429;
      throw new AttemptError(`HTTP ${response.status} ${response.statusText}`.trim(), !retryable);
    }
    const length = response.headers.get('content-length');
    const total = length !== null && /^\d+$/.test(length) ? Number(length) : options.expectedBytes;
    const hash = options.checksum ? createChecksumHash(options.checksum) : undefined;
    file = await AtomicFile.create(dest);
    let received = 0;
    options.onProgress?.({ url, received, total, attempt: attemptNumber });
    reader = response.body.getReader();
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      arm();
      await file.write(chunk);
      hash?.update(chunk);
      received += chunk.length;
      options.onProgress?.({ url, received, total, attempt: attemptNumber });
    }
    // Node's fetch (undici) already fails a body cut short of its Content-Length; this check
    // keeps the guarantee for any other fetch implementation.
    if (length !== null && total !== undefined && received !== total) {
      throw new AttemptError(`truncated: received ${received} of ${total} bytes`);
    }
    if (hash && options.checksum) {
      const actual = hash.digest('hex');
      if (actual !== options.checksum.value.toLowerCase()) {
        throw new AttemptError(
          `${algorithmName(options.checksum)} mismatch: expected ${options.checksum.value}, got ${actual} (${received} bytes); the download is corrupt`,
        );
      }
    }
    clearTimeout(timer);
    await file.commit();
    return received;
  } catch (error) {
    await reader?.cancel().catch(() => {});
    await file?.abort();
    throw failure(error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Download `url` to `dest`. The data is streamed to a temporary file next to `dest`, checked
 * against `checksum`, fsynced and renamed over `dest`: nothing partial, corrupt or unverified
 * ever appears at `dest`. Network errors, timeouts, HTTP 5xx/408/429, truncated bodies and
 * checksum mismatches are retried with exponential backoff; other HTTP errors fail at once.
 *
 * @returns the number of bytes written.
 * @throws {DownloadError} once every attempt has failed.
 */
export async function downloadFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<number> {
  const retries = options.retries ?? 3;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(url, dest, options, attemptNumber);
    } catch (error) {
      const failure = error as AttemptError;
      if (failure.permanent || attemptNumber > retries) {
        throw new DownloadError(url, attemptNumber, failure.message, { cause: error });
      }
      const delayMs = backoffDelay(attemptNumber - 1, options.backoffMs, options.maxBackoffMs);
      options.onRetry?.({ url, attempt: attemptNumber, reason: failure.message, delayMs });
      await sleep(delayMs);
    }
  }
}

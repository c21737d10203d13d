import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatasetUnavailableError, DownloadError } from '../src/index.ts';
import {
  backoffDelay,
  type DownloadProgress,
  defaultCacheDir,
  downloadFile,
  type LoadOptions,
  loadMnist,
  mirrorFromEnv,
  offlineFromEnv,
  type RetryInfo,
} from '../src/node.ts';
import { announceSkip, DATA_DIR, NEEDS_DATA, onCpu, tempDir } from './helpers/env.ts';
import { type Mirror, startMirror } from './helpers/server.ts';

announceSkip('download tests against a loopback mirror of the datasets');

beforeAll(onCpu);

const TEST_IMAGES = 't10k-images-idx3-ubyte.gz';
const TEST_LABELS = 't10k-labels-idx1-ubyte.gz';

/** Every file under `dir` (recursively), relative paths. */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('locations from the environment', () => {
  it('cache: $DALE_CACHE, else $XDG_CACHE_HOME/dale, else ~/.cache/dale; mirror root and offline flag', () => {
    expect(defaultCacheDir({ DALE_CACHE: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/dale');
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'dale'));
    expect(mirrorFromEnv('kmnist', { DALE_DATA_MIRROR: 'http://h/root//' })).toBe(
      'http://h/root/kmnist/',
    );
    expect(mirrorFromEnv('kmnist', {})).toBeUndefined();
    expect([
      offlineFromEnv({ DALE_OFFLINE: '1' }),
      offlineFromEnv({ DALE_OFFLINE: 'true' }),
      offlineFromEnv({ DALE_OFFLINE: '0' }),
      offlineFromEnv({}),
    ]).toEqual([true, true, false, false]);
  });
});

describe('backoff', () => {
  it('doubles from backoffMs and caps at maxBackoffMs', () => {
    expect([0, 1, 2, 3].map((r) => backoffDelay(r, 100))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(10, 1000, 30_000)).toBe(30_000);
    expect(backoffDelay(0)).toBe(1000);
  });
});

describe.skipIf(!DATA_DIR)(
  `downloads from a loopback mirror of $DALE_DATA_DIR${NEEDS_DATA}`,
  () => {
    let mirror: Mirror;
    let work: { dir: string; remove: () => void };
    let cache: string;
    let base: LoadOptions;
    beforeAll(async () => {
      mirror = await startMirror(DATA_DIR!);
    });
    afterAll(() => mirror.close());
    let counter = 0;
    beforeAll(() => {
      work = tempDir();
    });
    afterAll(() => work.remove());
    // A fresh cache per test, and an empty dataDir so that $DALE_DATA_DIR is not used locally.
    const fresh = (): LoadOptions => {
      counter += 1;
      cache = join(work.dir, `cache-${counter}`);
      const empty = join(work.dir, `empty-${counter}`);
      mkdirSync(empty);
      base = {
        cacheDir: cache,
        dataDir: empty,
        split: 'test',
        retries: 2,
        backoffMs: 5,
        timeoutMs: 300,
      };
      return base;
    };
    const at = (mode: string) => [`${mirror.url}/${mode}/mnist/`];
    const requestsFor = (mode: string, name: string) =>
      mirror.requests.get(`/${mode}/mnist/${name}`) ?? 0;
    afterEach(() => {
      // Nothing partial is ever left behind: no temporary files in the cache after any test.
      expect(listFiles(cache).filter((f) => f.includes('.part'))).toEqual([]);
    });

    it('downloads into the cache (verified, atomically), reports progress, then loads offline from the cache', async () => {
      const progress: DownloadProgress[] = [];
      const dest = join(fresh().cacheDir!, 'mnist', TEST_IMAGES);
      const downloaded = await loadMnist({
        ...base,
        mirrors: at('good'),
        onProgress: (p) => {
          progress.push(p);
          // The destination appears only when the file is complete and verified.
          if (p.url.endsWith(TEST_IMAGES)) expect(existsSync(dest)).toBe(false);
        },
      });
      expect(listFiles(cache)).toEqual([`mnist/${TEST_IMAGES}`, `mnist/${TEST_LABELS}`]);
      // The value in the datasets folder's SHA256SUMS.
      expect(sha256(dest)).toBe('8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6');
      const images = progress.filter((p) => p.url.endsWith(TEST_IMAGES));
      expect(images[0]!.received).toBe(0);
      expect(images.at(-1)).toMatchObject({ received: 1648877, total: 1648877, attempt: 1 });
      expect(images.every((p, i) => i === 0 || p.received >= images[i - 1]!.received)).toBe(true);
      const local = await loadMnist({
        split: 'test',
        dataDir: DATA_DIR,
        download: false,
        cacheDir: cache,
      });
      expect(
        Buffer.from(downloaded.pixels as Uint8Array).equals(
          Buffer.from(local.pixels as Uint8Array),
        ),
      ).toBe(true);
      // From the cache: no new requests.
      const before = requestsFor('good', TEST_IMAGES);
      await loadMnist({ ...base, download: false });
      expect(requestsFor('good', TEST_IMAGES)).toBe(before);
    });

    it('a corrupted copy is retried with exponential backoff, then refused: nothing lands in the cache', async () => {
      const retries: RetryInfo[] = [];
      const error = await loadMnist({
        ...fresh(),
        mirrors: at('corrupt'),
        onRetry: (r) => retries.push(r),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatasetUnavailableError);
      const message = (error as Error).message;
      expect(message).toMatch(
        /corrupt\/mnist\/t10k-images-idx3-ubyte.gz: SHA-256 mismatch: expected 8d422c7b.*; the download is corrupt \(after 3 attempts\)/,
      );
      expect(message).toContain(
        '2 files missing: t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz',
      );
      expect(requestsFor('corrupt', TEST_IMAGES)).toBe(3);
      expect(retries.filter((r) => r.url.endsWith(TEST_IMAGES)).map((r) => r.delayMs)).toEqual([
        5, 10,
      ]);
      expect(listFiles(cache)).toEqual([]);
    });

    it('a truncated copy (honest length) fails its checksum; a connection dropped mid-body is a network error; neither lands', async () => {
      const truncated = await loadMnist({ ...fresh(), mirrors: at('truncated') }).catch(
        (e: unknown) => e,
      );
      expect((truncated as Error).message).toMatch(/SHA-256 mismatch: .*\(824438 bytes\)/);
      expect(listFiles(cache)).toEqual([]);
      const dropped = await loadMnist({ ...fresh(), mirrors: at('drop') }).catch((e: unknown) => e);
      expect((dropped as Error).message).toMatch(
        /drop\/mnist\/t10k-images-idx3-ubyte.gz: (network error|truncated).*\(after 3 attempts\)/,
      );
      expect(listFiles(cache)).toEqual([]);
    });

    it('a retry after a dropped connection succeeds, and an HTTP 503 is retried too', async () => {
      const retries: RetryInfo[] = [];
      const ds = await loadMnist({
        ...fresh(),
        mirrors: at('drop-once'),
        onRetry: (r) => retries.push(r),
      });
      expect(ds.size).toBe(10_000);
      expect(requestsFor('drop-once', TEST_IMAGES)).toBe(2);
      expect(retries.find((r) => r.url.endsWith(TEST_IMAGES))).toMatchObject({
        attempt: 1,
        delayMs: 5,
      });
      expect(sha256(join(cache, 'mnist', TEST_IMAGES))).toBe(
        '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
      );
      const again = await loadMnist({ ...fresh(), mirrors: at('fail-once') });
      expect(again.size).toBe(10_000);
      expect(requestsFor('fail-once', TEST_LABELS)).toBe(2);
    });

    it('the inactivity timeout fires on a stalled body and on a server that never answers', async () => {
      for (const mode of ['stall', 'stall-headers']) {
        const error = await loadMnist({
          ...fresh(),
          mirrors: at(mode),
          retries: 1,
          timeoutMs: 150,
        }).catch((e: unknown) => e);
        expect((error as Error).message).toContain(
          `${mode}/mnist/t10k-images-idx3-ubyte.gz: timed out: no data for 150 ms (timeoutMs) (after 2 attempts)`,
        );
        expect(listFiles(cache)).toEqual([]);
      }
    });

    it('the timeout counts inactivity, not total time: a slow but steady body (8 pieces, 60 ms apart) completes', async () => {
      fresh();
      const dest = join(cache, TEST_LABELS);
      const received: number[] = [];
      const bytes = await downloadFile(`${mirror.url}/trickle/mnist/${TEST_LABELS}`, dest, {
        retries: 0,
        timeoutMs: 150,
        onProgress: (p) => received.push(p.received),
      });
      expect(bytes).toBe(4542);
      expect(received.filter((r) => r > 0).length).toBeGreaterThanOrEqual(8);
      expect(sha256(dest)).toBe('f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6');
    });

    it('falls back to the next mirror after a 404 (not retried) and takes $DALE_DATA_MIRROR as the default mirror root', async () => {
      const ds = await loadMnist({
        ...fresh(),
        mirrors: [`${mirror.url}/nowhere/mnist/`, ...at('good')],
      });
      expect(ds.size).toBe(10_000);
      expect(mirror.requests.get(`/nowhere/mnist/${TEST_IMAGES}`)).toBe(1);
      const saved = process.env['DALE_DATA_MIRROR'];
      process.env['DALE_DATA_MIRROR'] = `${mirror.url}/good/`;
      try {
        const viaEnv = await loadMnist(fresh());
        expect(viaEnv.size).toBe(10_000);
        expect(listFiles(cache)).toHaveLength(2);
      } finally {
        if (saved === undefined) delete process.env['DALE_DATA_MIRROR'];
        else process.env['DALE_DATA_MIRROR'] = saved;
      }
    });

    it('replaces a corrupt cached file by a fresh, verified download', async () => {
      const options = fresh();
      mkdirSync(join(cache, 'mnist'), { recursive: true });
      writeFileSync(join(cache, 'mnist', TEST_LABELS), 'garbage');
      await loadMnist({ ...options, mirrors: at('good') });
      expect(sha256(join(cache, 'mnist', TEST_LABELS))).toBe(
        'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
      );
      // Offline, the corrupt cached copy is removed and reported.
      writeFileSync(join(cache, 'mnist', TEST_LABELS), 'garbage');
      const error = await loadMnist({ ...options, download: false }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(
        /Note: removed a corrupt cached .*t10k-labels-idx1-ubyte.gz \(SHA-256 [0-9a-f]{64}\)/,
      );
      expect(listFiles(cache)).toEqual([`mnist/${TEST_IMAGES}`]);
    });

    it('downloadFile: without a checksum it still refuses a body shorter than its Content-Length', async () => {
      fresh();
      const dest = join(cache, 'x.gz');
      const error = await downloadFile(`${mirror.url}/drop/mnist/${TEST_LABELS}`, dest, {
        retries: 0,
        timeoutMs: 300,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DownloadError);
      expect((error as DownloadError).attempts).toBe(1);
      expect(existsSync(dest)).toBe(false);
      expect(await downloadFile(`${mirror.url}/good/mnist/${TEST_LABELS}`, dest)).toBe(4542);
    });
  },
);

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CIFAR10,
  DatasetFormatError,
  type DatasetSpec,
  DatasetUnavailableError,
} from '../src/index.ts';
import { type LoadOptions, loadCifar10, loadDataset } from '../src/node.ts';
import { cifarBytes, tarBytes } from './helpers/builders.ts';
import { onCpu, tempDir } from './helpers/env.ts';
import { type Mirror, startMirror } from './helpers/server.ts';

beforeAll(onCpu);

/**
 * CIFAR-10 is not in the offline datasets: these tests build `cifar-10-binary.tar.gz` in its
 * published layout (a gzip'd tar holding cifar-10-batches-bin/ with five data batches, the test
 * batch and metadata; records of 1 label byte + 1024 R + 1024 G + 1024 B bytes), with 12 records
 * per batch instead of 10,000 to stay small.
 */
const RECORDS = 12;
const BATCHES = [
  'data_batch_1',
  'data_batch_2',
  'data_batch_3',
  'data_batch_4',
  'data_batch_5',
  'test_batch',
];
/** Pixel value of (batch, record, row, col, channel): distinct enough to catch any mix-up. */
const pixel = (b: number, r: number, y: number, x: number, c: number) =>
  (b * 41 + r * 13 + y * 7 + x * 3 + c * 89) & 0xff;
const label = (b: number, r: number) => (b + r) % 10;

function batchBytes(b: number): Uint8Array {
  return cifarBytes(
    Array.from({ length: RECORDS }, (_, r) => label(b, r)),
    (r, y, x, c) => pixel(b, r, y, x, c),
  );
}

const archive = gzipSync(
  tarBytes([
    { name: 'cifar-10-batches-bin/', type: '5' },
    {
      name: 'cifar-10-batches-bin/batches.meta.txt',
      data: new TextEncoder().encode(CIFAR10.classNames.join('\n')),
    },
    ...BATCHES.map((name, b) => ({
      name: `cifar-10-batches-bin/${name}.bin`,
      data: batchBytes(b),
    })),
    { name: 'cifar-10-batches-bin/readme.html', data: new TextEncoder().encode('<html></html>') },
  ]),
);
const md5 = createHash('md5').update(archive).digest('hex');

/** CIFAR-10's catalog entry with the generated archive's MD5. */
const generatedArchive = {
  name: 'cifar-10-binary.tar.gz',
  checksum: { algorithm: 'md5', value: md5 },
} as const;
const generatedSpec: DatasetSpec = {
  ...CIFAR10,
  formats: {
    cifar10: {
      train: {
        format: 'cifar10',
        archive: generatedArchive,
        members: BATCHES.slice(0, 5).map((n) => `cifar-10-batches-bin/${n}.bin`),
      },
      test: {
        format: 'cifar10',
        archive: generatedArchive,
        members: ['cifar-10-batches-bin/test_batch.bin'],
      },
    },
  },
};

function expectContent(
  ds: {
    size: number;
    shape: readonly number[];
    labels: Int32Array;
    pixels: Uint8Array | Float32Array;
  },
  batches: number[],
): void {
  expect(ds.shape).toEqual([32, 32, 3]);
  expect(ds.size).toBe(batches.length * RECORDS);
  batches.forEach((b, k) => {
    for (const r of [0, 5, RECORDS - 1]) {
      const i = k * RECORDS + r;
      expect(ds.labels[i]).toBe(label(b, r));
      for (const [y, x, c] of [
        [0, 0, 0],
        [31, 2, 1],
        [4, 31, 2],
      ] as const) {
        expect(ds.pixels[i * 3072 + (y * 32 + x) * 3 + c]).toBe(pixel(b, r, y, x, c));
      }
    }
  });
}

describe('CIFAR-10 from a generated archive in the published layout', () => {
  const work = tempDir();
  afterAll(work.remove);
  const empty = join(work.dir, 'empty');
  mkdirSync(empty);
  const local = join(work.dir, 'local');
  mkdirSync(local);
  writeFileSync(join(local, 'cifar-10-binary.tar.gz'), archive);
  const base: LoadOptions = { dataDir: empty, download: false, cacheDir: join(work.dir, 'cache') };

  it('loads train (5 batches in order) and test from the archive; the published MD5 is checked', async () => {
    expectContent(await loadCifar10({ ...base, path: local, verify: false }), [0, 1, 2, 3, 4]);
    expectContent(await loadCifar10({ ...base, path: local, split: 'test', verify: false }), [5]);
    expectContent(await loadDataset(generatedSpec, { ...base, path: local }), [0, 1, 2, 3, 4]);
    const error = await loadCifar10({ ...base, path: local }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as DatasetFormatError).problem).toMatch(
      /^MD5 mismatch: expected c32a1d4ab5d03f1284b67883e8d87530, got [0-9a-f]{32}/,
    );
  });

  it('loads extracted batch files (cifar-10-batches-bin/*.bin or flat *.bin) without the archive', async () => {
    const nested = join(work.dir, 'extracted', 'cifar-10-batches-bin');
    mkdirSync(nested, { recursive: true });
    const flat = join(work.dir, 'flat');
    mkdirSync(flat);
    BATCHES.forEach((name, b) => {
      writeFileSync(join(nested, `${name}.bin`), batchBytes(b));
      writeFileSync(join(flat, `${name}.bin`), batchBytes(b));
    });
    expectContent(
      await loadCifar10({ ...base, path: join(work.dir, 'extracted') }),
      [0, 1, 2, 3, 4],
    );
    expectContent(await loadCifar10({ ...base, path: flat, split: 'test' }), [5]);
    writeFileSync(join(flat, 'test_batch.bin'), batchBytes(5).subarray(0, 5000));
    await expect(loadCifar10({ ...base, path: flat, split: 'test' })).rejects.toThrow(
      /test_batch.bin: 5000 bytes is not a whole, positive number of 3073-byte CIFAR-10 records/,
    );
  });

  it('offline without copies: names the archive, the folders and the options', async () => {
    const error = await loadCifar10(base).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetUnavailableError);
    expect((error as Error).message).toContain(
      'CIFAR-10 (cifar10): 1 file missing: cifar-10-binary.tar.gz.',
    );
  });

  describe('download through a loopback mirror (MD5-verified)', () => {
    let mirror: Mirror;
    beforeAll(async () => {
      const root = join(work.dir, 'mirror');
      mkdirSync(join(root, 'cifar10'), { recursive: true });
      writeFileSync(join(root, 'cifar10', 'cifar-10-binary.tar.gz'), archive);
      mirror = await startMirror(root);
    });
    afterAll(() => mirror.close());

    it('caches the verified archive; a corrupted one never lands', async () => {
      const cacheDir = join(work.dir, 'dl-cache');
      const options = {
        ...base,
        cacheDir,
        download: true,
        retries: 1,
        backoffMs: 1,
        timeoutMs: 2000,
      };
      const bad = await loadDataset(generatedSpec, {
        ...options,
        mirrors: [`${mirror.url}/corrupt/cifar10/`],
      }).catch((e: unknown) => e);
      expect((bad as Error).message).toMatch(
        /MD5 mismatch: expected [0-9a-f]{32}, got [0-9a-f]{32}/,
      );
      expect(
        readdirSync(cacheDir, { recursive: true }).filter(
          (f) => String(f).endsWith('.gz') || String(f).includes('.part'),
        ),
      ).toEqual([]);
      const ds = await loadDataset(generatedSpec, {
        ...options,
        split: 'test',
        mirrors: [`${mirror.url}/good/cifar10/`],
      });
      expectContent(ds, [5]);
      expect(readdirSync(join(cacheDir, 'cifar10'))).toEqual(['cifar-10-binary.tar.gz']);
    });
  });
});

/**
 * The domain classifiers' splits: KMNIST's fixed 8,000 / 2,000 split partitions its test images and
 * is pinned (the shipped KMNIST weights were trained on the 8,000, so a changed split would let
 * training images into the held-out evaluation), and domainSplits falls back to it only for KMNIST
 * and only when the training images cannot be found.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetUnavailableError, ImageDataset } from '@dale/data';
import { loadDataset } from '@dale/data/node';
import { afterAll, describe, expect, it } from 'vitest';
import { domainSplits, kmnistTestSplit } from '../src/index.ts';

const dataDir = process.env.DALE_DATA_DIR ?? '';
const empty = mkdtempSync(join(tmpdir(), 'dale-splits-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

/** FNV-1a hash of each image's pixel bytes and label, as a sorted list (a multiset). */
function fingerprints(data: ImageDataset): string[] {
  const pixels = data.values(Array.from({ length: data.size }, (_, i) => i));
  const size = pixels.length / data.size;
  const out: string[] = [];
  for (let i = 0; i < data.size; i++) {
    let h = 0x811c9dc5;
    for (let j = 0; j < size; j++) {
      h ^= Math.round(pixels[i * size + j]! * 255);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out.push(`${h}:${data.labels[i]}`);
  }
  return out.sort();
}

it('kmnistTestSplit rejects a dataset that is not the 10,000 KMNIST test images', () => {
  const tiny = new ImageDataset({
    pixels: new Uint8Array(3 * 4),
    labels: Int32Array.from([0, 1, 2]),
    shape: [2, 2, 1],
    name: 'tiny',
  });
  expect(() => kmnistTestSplit(tiny)).toThrow(/10000 test images, got 3 images \(tiny\)/);
});

const hasMnistTest = existsSync(join(dataDir, 'mnist', 't10k-images-idx3-ubyte.gz'));

it.runIf(hasMnistTest)(
  'domainSplits does not fall back for MNIST: its missing training images are an error',
  async () => {
    // A folder with MNIST's 10,000 test images only: the KMNIST fallback would accept them.
    for (const file of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      copyFileSync(join(dataDir, 'mnist', file), join(empty, file));
    }
    await expect(
      domainSplits('mnist', { path: empty, dataDir: empty, cacheDir: empty, download: false }),
    ).rejects.toBeInstanceOf(DatasetUnavailableError);
  },
);

const hasKmnistTest = existsSync(join(dataDir, 'kmnist', 't10k-images-idx3-ubyte.gz'));
const hasKmnistTrain = existsSync(join(dataDir, 'kmnist', 'train-images-idx3-ubyte.gz'));

describe.runIf(hasKmnistTest)('KMNIST split', () => {
  it('partitions the test images 8,000 / 2,000, always the same way', async () => {
    const test = await loadDataset('kmnist', { split: 'test' });
    const split = kmnistTestSplit(test);
    expect([split.train.size, split.test.size]).toEqual([8000, 2000]);
    // Together they are exactly the test images (as a multiset of images with their labels).
    expect([...fingerprints(split.train), ...fingerprints(split.test)].sort()).toEqual(
      fingerprints(test),
    );
    // Pinned: the held-out images the shipped weights were evaluated on.
    expect(split.test.classCounts()).toEqual([185, 195, 199, 214, 184, 208, 207, 205, 211, 192]);
    expect(Array.from(split.test.labels.subarray(0, 12))).toEqual([
      1, 4, 9, 6, 2, 7, 8, 4, 8, 4, 5, 7,
    ]);
  });

  it.runIf(!hasKmnistTrain)(
    'domainSplits falls back to it when the training images are absent',
    async () => {
      const splits = await domainSplits('kmnist', { cacheDir: empty, download: false });
      expect(splits.note).toMatch(/fixed 8,000\/2,000 split/);
      const reference = kmnistTestSplit(await loadDataset('kmnist', { split: 'test' }));
      expect(fingerprints(splits.test)).toEqual(fingerprints(reference.test));
      expect(splits.train.size).toBe(8000);
    },
  );
});

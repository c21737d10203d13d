import { gzipSync as nodeGzip, crc32 as zlibCrc32 } from 'node:zlib';
import { Rng } from '@dale/core';
import { decode as fastPngDecode } from 'fast-png';
import { gzipSync, zipSync, zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  crc32,
  DatasetFormatError,
  datasetFromCifarArchive,
  datasetFromIdx,
  datasetFromNpz,
  decodePng,
  gunzip,
  readCifarBatch,
  readIdx,
  readIdxImages,
  readIdxLabels,
  readNpy,
  readNpzArray,
  readTar,
  readZip,
} from '../src/index.ts';
import {
  cifarBytes,
  concat,
  idxBytes,
  npyBytes,
  pngBytes,
  tarBytes,
  tarHeader,
} from './helpers/builders.ts';

/** Expect `run` to throw a DatasetFormatError for `file` whose problem matches `pattern`. */
function rejects(run: () => unknown, file: string, pattern: RegExp): DatasetFormatError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DatasetFormatError);
  const error = caught as DatasetFormatError;
  expect(error.code).toBe('dataset-format');
  expect(error.file).toBe(file);
  expect(error.problem).toMatch(pattern);
  expect(error.message).toBe(`${file}: ${error.problem}`);
  return error;
}

const ramp = (n: number, f: (i: number) => number = (i) => i) =>
  Uint8Array.from({ length: n }, (_, i) => f(i) & 0xff);

describe('CRC-32', () => {
  it('matches the check value and node:zlib on random data of every length mod 4', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    for (const n of [0, 1, 2, 3, 4, 5, 1000, 4097]) {
      const data = ramp(n, (i) => (i * 2654435761) >>> 13);
      expect(crc32(data)).toBe(zlibCrc32(data));
      // continuation: crc(a ++ b) = crc(b, crc(a))
      expect(crc32(data.subarray(n >> 1), crc32(data.subarray(0, n >> 1)))).toBe(zlibCrc32(data));
    }
  });
});

describe('gzip', () => {
  const data = ramp(5000, (i) => i * 7 + (i >> 5));
  it('inflates node:zlib and fflate output (with a file name and comment field) exactly', () => {
    expect(gunzip(nodeGzip(data), 'a.gz')).toEqual(data);
    expect(gunzip(gzipSync(data, { filename: 'inner-name.idx', mtime: 0 }), 'a.gz')).toEqual(data);
  });

  it('rejects a corrupt CRC, a wrong size, a declared size beyond the deflate ratio or the limit, truncation', () => {
    const good = nodeGzip(data);
    const badCrc = Uint8Array.from(good);
    badCrc[badCrc.length - 8]! ^= 1;
    rejects(() => gunzip(badCrc, 'f.gz'), 'f.gz', /CRC-32 mismatch/);
    const smaller = Uint8Array.from(good);
    new DataView(smaller.buffer).setUint32(smaller.length - 4, data.length - 1, true);
    rejects(() => gunzip(smaller, 'f.gz'), 'f.gz', /inflates to more than 4999 bytes/);
    const huge = Uint8Array.from(good);
    new DataView(huge.buffer).setUint32(huge.length - 4, 0xfffffff0, true);
    rejects(
      () => gunzip(huge, 'f.gz'),
      'f.gz',
      /more than \d+ compressed bytes can hold: the file is truncated or corrupt/,
    );
    rejects(
      () => gunzip(good, 'f.gz', { maxBytes: 4000 }),
      'f.gz',
      /declares 5000 decompressed bytes, more than the limit of 4000/,
    );
    rejects(() => gunzip(good.subarray(0, 40), 'f.gz'), 'f.gz', /truncated or corrupt/);
    rejects(() => gunzip(good.subarray(0, 12), 'f.gz'), 'f.gz', /truncated/);
    rejects(
      () => gunzip(Uint8Array.of(0x1f, 0x8b, 9, ...new Array(20).fill(0)), 'f.gz'),
      'f.gz',
      /compression method 9/,
    );
  });
});

describe('IDX', () => {
  const pixels = ramp(3 * 4 * 5, (i) => i * 3);
  const images = idxBytes([3, 4, 5], pixels);
  const labels = idxBytes([3], Uint8Array.of(2, 0, 1));

  it('reads raw and gzip images and labels (big-endian header, row-major data)', () => {
    for (const bytes of [images, nodeGzip(images)]) {
      const read = readIdxImages(bytes, 'img');
      expect(read.count).toBe(3);
      expect(read.shape).toEqual([4, 5, 1]);
      expect(read.pixels).toEqual(pixels);
    }
    expect(readIdxLabels(nodeGzip(labels), 'lab')).toEqual(Uint8Array.of(2, 0, 1));
    expect(readIdx(idxBytes([2, 2, 2, 3], ramp(24)), 'x').dims).toEqual([2, 2, 2, 3]);
    const ds = datasetFromIdx(
      { bytes: images, file: 'img' },
      { bytes: labels, file: 'lab' },
      { name: 't', classNames: ['a', 'b', 'c'] },
    );
    expect(ds.shape).toEqual([4, 5, 1]);
    expect(Array.from(ds.labels)).toEqual([2, 0, 1]);
    expect(ds.values([1])[7]).toBeCloseTo(pixels[20 + 7]! / 255, 7);
  });

  it('rejects wrong magic numbers, types and ranks, truncation, trailing bytes and swapped files', () => {
    rejects(
      () => readIdx(Uint8Array.of(0x12, 0x34, 8, 1, 0, 0, 0, 0), 'm'),
      'm',
      /wrong magic number 0x12340801/,
    );
    rejects(
      () => readIdx(idxBytes([2], ramp(8), 0x0d), 'm'),
      'm',
      /unsupported IDX data type 0x0d \(float32\)/,
    );
    rejects(() => readIdx(idxBytes([2], ramp(2), 0x42), 'm'), 'm', /unknown IDX data type 0x42/);
    rejects(() => readIdx(Uint8Array.of(0, 0, 8, 0), 'm'), 'm', /0 dimensions/);
    rejects(() => readIdx(Uint8Array.of(0, 0, 8, 7, 0, 0), 'm'), 'm', /7 dimensions/);
    rejects(
      () => readIdx(Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1), 'm'),
      'm',
      /truncated: the 3 IDX dimension sizes/,
    );
    rejects(
      () => readIdx(images.subarray(0, images.length - 1), 'm'),
      'm',
      /truncated: the header \[3, 4, 5\] needs 60 data bytes but only 59/,
    );
    rejects(
      () => readIdx(concat([images, Uint8Array.of(1, 2)]), 'm'),
      'm',
      /2 unexpected bytes after the 60 data bytes/,
    );
    rejects(() => readIdx(idxBytes([0xffffffff, 0xffffffff, 28], ramp(10)), 'm'), 'm', /truncated/);
    rejects(
      () => readIdxImages(labels, 'l'),
      'l',
      /expected an image file .* found 1 dimension \(a label file\?\)/,
    );
    rejects(() => readIdxLabels(images, 'i'), 'i', /expected a label file .* \(an image file\?\)/);
    rejects(() => readIdxImages(idxBytes([0, 28, 28], ramp(0)), 'e'), 'e', /holds no images/);
  });

  it('rejects mismatched counts, wrong dimensions and out-of-range labels, naming the file', () => {
    const info = { name: 'mnist/test', shape: [4, 5, 1] as const, classNames: ['a', 'b', 'c'] };
    const twoLabels = { bytes: idxBytes([2], Uint8Array.of(0, 1)), file: 'labels.idx' };
    const err = rejects(
      () => datasetFromIdx({ bytes: images, file: 'images.idx' }, twoLabels, info),
      'images.idx',
      /holds 3 images but labels.idx holds 2 labels/,
    );
    expect(err.message).toContain('images.idx');
    rejects(
      () =>
        datasetFromIdx(
          { bytes: idxBytes([3, 5, 4], pixels), file: 'images.idx' },
          { bytes: labels, file: 'l' },
          info,
        ),
      'images.idx',
      /wrong dimensions: images are 5×4×1 .* mnist\/test images are 4×5×1/,
    );
    rejects(
      () =>
        datasetFromIdx(
          { bytes: images, file: 'i' },
          { bytes: idxBytes([3], Uint8Array.of(0, 3, 1)), file: 'labels.idx' },
          info,
        ),
      'labels.idx',
      /label 3 of example 1 is outside the 3 classes/,
    );
  });
});

describe('npy / npz', () => {
  const data = ramp(2 * 3 * 4, (i) => 200 - i);
  it('reads versions 1.0, 2.0 and 3.0 and the header variants numpy writes', () => {
    for (const version of [1, 2, 3] as const) {
      const a = readNpy(npyBytes([2, 3, 4], data, { version }), 'a.npy');
      expect(a).toEqual({ dtype: '|u1', shape: [2, 3, 4], data });
    }
    const variants = [
      `{"descr": "|u1", "fortran_order": False, "shape": (24,)}`,
      `{'shape': (2, 12), 'fortran_order': False, 'descr': '<u1'}`,
      `{'descr':'|u1','fortran_order':False,'shape':(2,3,4),}`,
      `{'descr': '|u1', 'fortran_order': False, 'shape': (2L, 3L, 4L), }`,
    ];
    for (const header of variants) {
      const a = readNpy(npyBytes([], data, { header }), 'a.npy');
      expect(a.shape.reduce((x, y) => x * y, 1)).toBe(24);
    }
    expect(
      readNpy(
        npyBytes([], Uint8Array.of(9), {
          header: `{'descr': '|u1', 'fortran_order': False, 'shape': ()}`,
        }),
        'a',
      ).shape,
    ).toEqual([]);
  });

  it('rejects other dtypes, Fortran order, malformed headers, truncation and trailing bytes', () => {
    rejects(
      () => readNpy(npyBytes([6], ramp(24), { descr: '<f4' }), 'a.npy'),
      'a.npy',
      /unsupported .npy dtype '<f4'/,
    );
    rejects(
      () => readNpy(npyBytes([2, 3, 4], data, { fortran: true }), 'a.npy'),
      'a.npy',
      /fortran_order is True/,
    );
    rejects(
      () => readNpy(npyBytes([], data, { header: `{'descr': '|u1', 'shape': (24,)}` }), 'a.npy'),
      'a.npy',
      /expected the keys descr, fortran_order and shape/,
    );
    rejects(
      () =>
        readNpy(
          npyBytes([], data, { header: `{'descr': '|u1', 'fortran_order': False, 'shape': (24,` }),
          'a.npy',
        ),
      'a.npy',
      /malformed .npy header/,
    );
    rejects(
      () =>
        readNpy(
          npyBytes([], data, {
            header: `{'descr': [('a', '|u1')], 'fortran_order': False, 'shape': (24,)}`,
          }),
          'a.npy',
        ),
      'a.npy',
      /structured dtypes are not supported/,
    );
    rejects(
      () =>
        readNpy(
          npyBytes([], data, { header: `{'descr': '|u1', 'fortran_order': 0, 'shape': (24,)}` }),
          'a.npy',
        ),
      'a.npy',
      /fortran_order must be True or False/,
    );
    rejects(
      () => readNpy(npyBytes([2, 3, 5], data), 'a.npy'),
      'a.npy',
      /truncated: shape \(2, 3, 5\) needs 30 bytes .* only 24/,
    );
    rejects(
      () => readNpy(npyBytes([2, 3, 3], data), 'a.npy'),
      'a.npy',
      /6 unexpected bytes after the 18 bytes/,
    );
    rejects(
      () => readNpy(npyBytes([24], data, { version: 2 }).subarray(0, 11), 'a.npy'),
      'a.npy',
      /truncated: the .npy header length/,
    );
    rejects(
      () => readNpy(new TextEncoder().encode('PK\u0003\u0004 not npy at all'), 'a.npy'),
      'a.npy',
      /not a .npy array/,
    );
    const v4 = npyBytes([24], data);
    v4[6] = 4;
    rejects(() => readNpy(v4, 'a.npy'), 'a.npy', /unsupported .npy format version 4.0/);
  });

  // np.savez_compressed('t.npz', np.arange(10, dtype=np.uint8)) with numpy 2.4: the local header
  // carries 0xffffffff sizes and a zip64 extra field (force_zip64), the central directory the
  // real sizes.
  const NUMPY_NPZ =
    'UEsDBC0AAAAIAAAAIQAZzKc4//////////8JABQAYXJyXzAubnB5AQAQAIoAAAAAAAAATwAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBeU2qorqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RqGBjqaOgq1CuQDLgZGJmYWVjZ2Dk4AUEsBAi0DLQAAAAgAAAAhABnMpzhPAAAAigAAAAkAAAAAAAAAAAAAAIABAAAAAGFycl8wLm5weVBLBQYAAAAAAQABADcAAACKAAAAAAA=';

  it('reads npz archives: numpy 2 zip64 local headers, fflate deflate and stored entries', () => {
    const numpy = Uint8Array.from(Buffer.from(NUMPY_NPZ, 'base64'));
    expect(readNpzArray(numpy, 't.npz')).toEqual({ dtype: '|u1', shape: [10], data: ramp(10) });
    const npy = npyBytes([2, 3, 4], data);
    for (const level of [0, 6] as const) {
      const zip = zipSync({
        'other.npy': npyBytes([1], Uint8Array.of(5)),
        'arr_0.npy': [npy, { level }],
      });
      expect(readNpzArray(zip, 'z.npz').data).toEqual(data);
      expect(readNpzArray(zip, 'z.npz', 'other').data).toEqual(Uint8Array.of(5));
      expect(readZip(zip, 'z.npz').map((e) => e.name)).toEqual(['other.npy', 'arr_0.npy']);
    }
  });

  it('checks the sizes the central directory declares before and after inflating, and the limits', () => {
    const deflated = zipSync({ 'arr_0.npy': npyBytes([24], data) });
    const stored = zipSync({ 'arr_0.npy': npyBytes([24], data) }, { level: 0 });
    // The uncompressed size of the (only) central-directory record, 24 bytes into it.
    const withSize = (zip: Uint8Array, size: number) => {
      const copy = Uint8Array.from(zip);
      const view = new DataView(copy.buffer);
      const central = view.getUint32(copy.length - 22 + 16, true);
      view.setUint32(central + 24, size, true);
      return copy;
    };
    const size = readZip(deflated, 'z.npz')[0]!.size;
    rejects(
      () => readZip(withSize(stored, size + 1), 'z.npz'),
      'z.npz',
      new RegExp(`entry 'arr_0.npy' declares ${size + 1} bytes from ${size} stored bytes`),
    );
    rejects(
      () => readZip(withSize(deflated, size + 7), 'z.npz')[0]!.read(),
      'z.npz',
      new RegExp(`entry 'arr_0.npy' gave ${size} bytes but ${size + 7} were declared`),
    );
    rejects(
      () => readZip(deflated, 'z.npz', { maxEntryBytes: size - 1 }),
      'z.npz',
      new RegExp(`declares ${size} bytes, more than the limit of ${size - 1}`),
    );
    const two = zipSync({ 'a.npy': npyBytes([1], data), 'b.npy': npyBytes([1], data) });
    rejects(
      () => readZip(two, 'z.npz', { maxEntries: 1 }),
      'z.npz',
      /more than the limit of 1 entries/,
    );
  });

  it('rejects a missing array, a corrupt entry, a truncated archive and mismatched image/label counts', () => {
    const zip = zipSync({ 'arr_1.npy': npyBytes([24], data) }, { level: 0 });
    rejects(
      () => readNpzArray(zip, 'z.npz'),
      'z.npz',
      /holds no 'arr_0.npy' \(entries: arr_1.npy\)/,
    );
    const stored = zipSync({ 'arr_0.npy': npyBytes([24], data) }, { level: 0 });
    const corrupt = Uint8Array.from(stored);
    corrupt[100]! ^= 0x40; // inside the stored data
    rejects(() => readNpzArray(corrupt, 'z.npz'), 'z.npz', /CRC-32 mismatch/);
    rejects(
      () => readNpzArray(stored.subarray(0, stored.length - 30), 'z.npz'),
      'z.npz',
      /not a zip archive, or corrupt or truncated/,
    );
    const inner = zipSync({ 'arr_0.npy': npyBytes([30], data) });
    rejects(() => readNpzArray(inner, 'z.npz'), 'z.npz', /^arr_0\.npy: truncated/);
    const images = { bytes: zipSync({ 'arr_0.npy': npyBytes([2, 3, 4], data) }), file: 'imgs.npz' };
    const labels = {
      bytes: zipSync({ 'arr_0.npy': npyBytes([3], Uint8Array.of(0, 1, 2)) }),
      file: 'labels.npz',
    };
    rejects(
      () => datasetFromNpz(images, labels, { name: 'k' }),
      'imgs.npz',
      /holds 2 images but labels.npz holds 3 labels/,
    );
    rejects(
      () => datasetFromNpz(labels, images, { name: 'k' }),
      'labels.npz',
      /images need \(N, H, W\)/,
    );
    const ok = datasetFromNpz(
      images,
      { bytes: zipSync({ 'arr_0.npy': npyBytes([2], Uint8Array.of(1, 0)) }), file: 'l' },
      { name: 'k' },
    );
    expect(ok.shape).toEqual([3, 4, 1]);
  });
});

describe('CIFAR-10 batches', () => {
  // Distinct values per (record, row, col, channel) so any mix-up of planes or axes shows.
  const value = (r: number, row: number, col: number, ch: number) =>
    r * 37 + row * 5 + col * 3 + ch * 101;
  it('maps 1 label byte + R, G, B planes (row-major 32×32) to NHWC', () => {
    const batch = readCifarBatch(cifarBytes([3, 9, 0], value), 'data_batch_1.bin');
    expect(batch.count).toBe(3);
    expect(Array.from(batch.labels)).toEqual([3, 9, 0]);
    for (const [r, row, col, ch] of [
      [0, 0, 0, 0],
      [1, 31, 0, 2],
      [2, 5, 17, 1],
      [2, 31, 31, 2],
    ] as const) {
      expect(batch.pixels[((r * 32 + row) * 32 + col) * 3 + ch]).toBe(
        value(r, row, col, ch) & 0xff,
      );
    }
  });

  it('rejects partial records, empty files, labels ≥ 10 and the wrong record count', () => {
    const bytes = cifarBytes([1, 2], value);
    rejects(
      () => readCifarBatch(bytes.subarray(0, 3073 + 100), 'b.bin'),
      'b.bin',
      /1 complete record and 100 bytes left over/,
    );
    rejects(() => readCifarBatch(new Uint8Array(0), 'b.bin'), 'b.bin', /0 complete records/);
    rejects(
      () => readCifarBatch(cifarBytes([1, 10], value), 'b.bin'),
      'b.bin',
      /record 1 \(byte 3073\) has label 10, outside 0..9/,
    );
    rejects(
      () => readCifarBatch(bytes, 'b.bin', { records: 10000 }),
      'b.bin',
      /holds 2 records, but a CIFAR-10 batch holds 10000/,
    );
  });
});

describe('tar', () => {
  const a = ramp(700, (i) => i * 11);
  it('reads ustar members, directories, prefixes, GNU long names and pax paths', () => {
    const longName = `${'d'.repeat(120)}/file.bin`;
    const prefixed = tarHeader('name.bin', 3, '0', 'some/prefix');
    const pax = new TextEncoder().encode('28 path=pax/overridden/name\n');
    expect(pax.length).toBe(28);
    const tar = concat([
      tarBytes([
        { name: 'dir/', type: '5' },
        { name: 'dir/a.bin', data: a },
      ]).subarray(0, 512 * 4), // without end blocks
      prefixed,
      Uint8Array.of(1, 2, 3),
      new Uint8Array(509),
      tarHeader('././@LongLink', longName.length + 1, 'L'),
      new TextEncoder().encode(`${longName}\0`),
      new Uint8Array(512 - ((longName.length + 1) % 512)),
      tarHeader('short', 1, '0'),
      Uint8Array.of(42),
      new Uint8Array(511),
      tarHeader('PaxHeader', pax.length, 'x'),
      pax,
      new Uint8Array(512 - pax.length),
      tarHeader('ignored-name', 2, '0'),
      Uint8Array.of(7, 8),
      new Uint8Array(510),
      new Uint8Array(1024),
    ]);
    const entries = readTar(tar, 'x.tar');
    expect(entries.map((e) => [e.name, e.type, e.size])).toEqual([
      ['dir/', 'directory', 0],
      ['dir/a.bin', 'file', 700],
      ['some/prefix/name.bin', 'file', 3],
      [longName, 'file', 1],
      ['pax/overridden/name', 'file', 2],
    ]);
    expect(entries[1]!.data).toEqual(a);
    expect(entries[3]!.data).toEqual(Uint8Array.of(42));
  });

  it('rejects checksum errors, truncated members, a missing end block and non-octal fields', () => {
    const tar = tarBytes([{ name: 'a.bin', data: a }]);
    const bad = Uint8Array.from(tar);
    bad[10] = 0x41;
    rejects(() => readTar(bad, 'x.tar'), 'x.tar', /checksum mismatch \(stored \d+, computed \d+\)/);
    rejects(
      () => readTar(tar.subarray(0, 512 + 600), 'x.tar'),
      'x.tar',
      /member at 0 declares 700 bytes/,
    );
    rejects(() => readTar(tar.subarray(0, 512 * 3), 'x.tar'), 'x.tar', /no end-of-archive block/);
    rejects(
      () => readTar(tar.subarray(0, 512 * 3 + 100), 'x.tar'),
      'x.tar',
      /a partial 100-byte block/,
    );
    const header = tarHeader('a', 0);
    header.set(new TextEncoder().encode('12x4       \0'), 124);
    let sum = 0;
    header.set(new TextEncoder().encode('        '), 148);
    for (const b of header) sum += b;
    header.set(new TextEncoder().encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
    rejects(
      () => readTar(concat([header, new Uint8Array(1024)]), 'x.tar'),
      'x.tar',
      /size "12x4" is not an octal number/,
    );
  });

  it('reads the CIFAR-10 archive layout: gzip → tar → batches in order', () => {
    const batch = (label: number) =>
      cifarBytes([label, label + 1], (r, row, col, ch) => label + r + row + col + ch);
    const archive = gzipSync(
      tarBytes([
        { name: 'cifar-10-batches-bin/', type: '5' },
        {
          name: 'cifar-10-batches-bin/batches.meta.txt',
          data: new TextEncoder().encode('airplane\n'),
        },
        { name: 'cifar-10-batches-bin/data_batch_2.bin', data: batch(4) },
        { name: 'cifar-10-batches-bin/data_batch_1.bin', data: batch(0) },
      ]),
    );
    const info = { name: 'cifar10/train' };
    const ds = datasetFromCifarArchive(
      { bytes: archive, file: 'c.tar.gz' },
      ['cifar-10-batches-bin/data_batch_1.bin', 'cifar-10-batches-bin/data_batch_2.bin'],
      info,
    );
    expect(ds.shape).toEqual([32, 32, 3]);
    expect(Array.from(ds.labels)).toEqual([0, 1, 4, 5]);
    rejects(
      () =>
        datasetFromCifarArchive(
          { bytes: archive, file: 'c.tar.gz' },
          ['cifar-10-batches-bin/test_batch.bin'],
          info,
        ),
      'c.tar.gz',
      /holds no cifar-10-batches-bin\/test_batch.bin \(files: .*data_batch_2.bin, .*data_batch_1.bin\)/,
    );
  });
});

describe('PNG', () => {
  const zlib = (raw: Uint8Array) => zlibSync(raw);

  /** n uniform random samples in 0..max. */
  function samples(n: number, max: number, seed: number): number[] {
    const rng = Rng.fromSeed(seed);
    return Array.from({ length: n }, () => rng.int(max + 1));
  }

  const cases: {
    name: string;
    colour: 0 | 2 | 4 | 6;
    depth: 1 | 2 | 4 | 8 | 16;
    channels: number;
  }[] = [
    { name: 'grey 1-bit', colour: 0, depth: 1, channels: 1 },
    { name: 'grey 2-bit', colour: 0, depth: 2, channels: 1 },
    { name: 'grey 4-bit', colour: 0, depth: 4, channels: 1 },
    { name: 'grey 8-bit', colour: 0, depth: 8, channels: 1 },
    { name: 'grey 16-bit', colour: 0, depth: 16, channels: 1 },
    { name: 'grey+alpha 8-bit', colour: 4, depth: 8, channels: 2 },
    { name: 'RGB 8-bit', colour: 2, depth: 8, channels: 3 },
    { name: 'RGB 16-bit', colour: 2, depth: 16, channels: 3 },
    { name: 'RGBA 8-bit', colour: 6, depth: 8, channels: 4 },
  ];
  for (const c of cases) {
    for (const interlace of [false, true]) {
      it(`decodes ${c.name}${interlace ? ', Adam7' : ''} with all five filters to sample / (2^depth − 1)`, () => {
        const [width, height] = [11, 7];
        const max = 2 ** c.depth - 1;
        const s = samples(width * height * c.channels, max, 7 + c.depth);
        const png = pngBytes(
          {
            width,
            height,
            colour: c.colour,
            depth: c.depth,
            samples: s,
            interlace,
            filters: [0, 1, 2, 3, 4],
          },
          zlib,
        );
        const image = decodePng(png, 'a.png');
        expect([image.width, image.height, image.channels]).toEqual([width, height, c.channels]);
        expect(Array.from(image.values)).toEqual(s.map((v) => Math.fround(v / max)));
      });
    }
  }

  it('agrees with fast-png’s decoder on larger random images that use only Paeth or only Average', () => {
    for (const [filter, colour, depth] of [
      [4, 2, 8],
      [3, 2, 8],
      [4, 6, 8],
      [4, 0, 16],
    ] as const) {
      const channels = { 0: 1, 2: 3, 6: 4 }[colour];
      const max = 2 ** depth - 1;
      const s = samples(32 * 32 * channels, max, 11 + filter);
      const png = pngBytes(
        { width: 32, height: 32, colour, depth, samples: s, filters: [filter] },
        zlib,
      );
      const mine = decodePng(png, 'a.png');
      const theirs = fastPngDecode(png);
      expect(Array.from(mine.values)).toEqual(Array.from(theirs.data, (v) => Math.fround(v / max)));
      expect(Array.from(mine.values)).toEqual(s.map((v) => Math.fround(v / max)));
    }
  });

  it('decodes palette images (1, 4, 8 bit, with and without tRNS) to RGB or RGBA', () => {
    const palette = [
      [255, 0, 0],
      [0, 128, 255],
      [10, 20, 30],
    ] as const;
    for (const depth of [1, 4, 8] as const) {
      const n = depth === 1 ? 2 : 3;
      const indices = samples(9 * 5, n - 1, 3);
      for (const transparency of [undefined, [0, 128]]) {
        const png = pngBytes(
          {
            width: 9,
            height: 5,
            colour: 3,
            depth,
            samples: indices,
            palette: palette.slice(0, n),
            transparency,
            filters: [4, 1],
          },
          zlib,
        );
        const image = decodePng(png, 'p.png');
        expect(image.channels).toBe(transparency ? 4 : 3);
        const expected = indices.flatMap((k) => {
          const rgb = palette[k]!.map((v) => Math.fround(v / 255));
          return transparency ? [...rgb, Math.fround((transparency[k] ?? 255) / 255)] : rgb;
        });
        expect(Array.from(image.values)).toEqual(expected);
      }
    }
  });

  it('rejects non-PNG data, CRC errors, truncation, bad filters, palette overflow and oversized images', () => {
    const good = pngBytes(
      { width: 4, height: 3, colour: 0, depth: 8, samples: samples(12, 255, 1) },
      zlib,
    );
    rejects(
      () => decodePng(new TextEncoder().encode('hello, this is text'), 't.txt'),
      't.txt',
      /not a PNG image/,
    );
    const badCrc = Uint8Array.from(good);
    badCrc[20]! ^= 1; // inside IHDR
    rejects(() => decodePng(badCrc, 'a.png'), 'a.png', /CRC mismatch in chunk IHDR/);
    rejects(() => decodePng(good.subarray(0, good.length - 12), 'a.png'), 'a.png', /no IEND chunk/);
    rejects(() => decodePng(good.subarray(0, good.length - 20), 'a.png'), 'a.png', /truncated/);
    const badFilter = pngBytes(
      { width: 4, height: 3, colour: 0, depth: 8, samples: samples(12, 255, 1), filters: [0, 7] },
      (raw) => {
        return zlibSync(raw);
      },
    );
    rejects(() => decodePng(badFilter, 'a.png'), 'a.png', /scanline 1 uses unknown filter type 7/);
    const overflow = pngBytes(
      {
        width: 2,
        height: 1,
        colour: 3,
        depth: 8,
        samples: [0, 2],
        palette: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      },
      zlib,
    );
    rejects(
      () => decodePng(overflow, 'p.png'),
      'p.png',
      /palette index 2 at pixel \(1, 0\) but the palette has 2 colours/,
    );
    const short = pngBytes(
      { width: 4, height: 3, colour: 0, depth: 8, samples: samples(12, 255, 1) },
      (raw) => zlibSync(raw.subarray(0, raw.length - 2)),
    );
    rejects(
      () => decodePng(short, 'a.png'),
      'a.png',
      /PNG image data inflates to 13 bytes but 15 were declared/,
    );
    // A 60000 × 60000 header is refused from IHDR alone, before any allocation.
    const huge = Uint8Array.from(good);
    const view = new DataView(huge.buffer);
    view.setUint32(16, 60000, false);
    view.setUint32(20, 60000, false);
    view.setUint32(29, zlibCrc32(huge.subarray(12, 29)), false);
    rejects(() => decodePng(huge, 'a.png'), 'a.png', /exceeds the limit of 67108864 pixels/);
    rejects(
      () => decodePng(huge, 'a.png', { maxPixels: 2 ** 40 }),
      'a.png',
      /cannot hold a 60000×60000 image/,
    );
  });
});

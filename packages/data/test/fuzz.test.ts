import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { Rng } from '@dale/core';
import { gzipSync, zipSync, zlibSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatasetFormatError,
  datasetFromCifarArchive,
  decodePng,
  readCifarBatch,
  readIdx,
  readNpy,
  readNpzArray,
  readTar,
} from '../src/index.ts';
import { loadImageFolder } from '../src/node.ts';
import { cifarBytes, idxBytes, npyBytes, pngBytes, tarBytes } from './helpers/builders.ts';
import { onCpu, tempDir } from './helpers/env.ts';
import { type FuzzTally, fuzz, mutate } from './helpers/fuzz.ts';

beforeAll(onCpu);

/**
 * Every parser gets ≥ 1000 random and mutated inputs from a fixed seed. The claim under test:
 * each input either parses or throws the documented DatasetFormatError naming the file —
 * no other exception escapes, and the run finishes (sizes are bounded from headers before
 * anything is allocated, so a mutated size field cannot stall it).
 */
const CASES = 1000;
const tallies: Record<string, FuzzTally> = {};

afterAll(() => {
  const lines = Object.entries(tallies).map(
    ([name, t]) =>
      `${name.padEnd(28)} ok ${String(t.ok).padStart(4)}  rejected ${String(t.rejected).padStart(4)}  distinct problems ${t.problems.size}`,
  );
  console.log(`fuzz outcomes (seeded):\n${lines.join('\n')}`);
});

function run(
  name: string,
  bases: readonly Uint8Array[],
  parse: (b: Uint8Array) => unknown,
  file: string,
  headerBytes = 64,
  seed = 1,
): void {
  const rng = Rng.fromSeed(`fuzz:${name}:${seed}`);
  const tally = fuzz(CASES, (i) => mutate(bases[i % bases.length]!, rng, headerBytes), parse, file);
  tallies[name] = tally;
  expect(tally.ok + tally.rejected).toBe(CASES);
  expect(tally.rejected).toBeGreaterThan(CASES / 4);
}

const ramp = (n: number, k: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * k + (i >> 3)) & 0xff);

describe(`fuzzing every parser (${CASES} seeded cases each): only DatasetFormatError escapes`, () => {
  const idx = [
    idxBytes([5, 6, 7], ramp(210, 7)),
    idxBytes([40], ramp(40, 3)),
    idxBytes([2, 3, 4, 3], ramp(72, 5)),
  ];

  it('IDX (raw)', () => run('idx raw', idx, (b) => readIdx(b, 'f.idx'), 'f.idx', 24));

  it('IDX (gzip: mutated compressed bytes)', () =>
    run(
      'idx gzip',
      idx.map((b) => gzipSync(b, { filename: 'x.idx' })),
      (b) => readIdx(b, 'f.gz'),
      'f.gz',
      32,
    ));

  it('npy', () =>
    run(
      'npy',
      [
        npyBytes([3, 4, 5], ramp(60, 3)),
        npyBytes([7], ramp(7, 1), { version: 2 }),
        npyBytes([2, 2], ramp(4, 9), { version: 3 }),
      ],
      (b) => readNpy(b, 'a.npy'),
      'a.npy',
      140,
    ));

  it('npz (zip: stored and deflate entries)', () =>
    run(
      'npz',
      [
        zipSync({ 'arr_0.npy': npyBytes([3, 4, 5], ramp(60, 3)) }, { level: 0 }),
        zipSync({ 'arr_0.npy': npyBytes([300], ramp(300, 1)), 'b.npy': npyBytes([2], ramp(2, 1)) }),
      ],
      (b) => readNpzArray(b, 'a.npz'),
      'a.npz',
      400,
    ));

  it('CIFAR-10 batch', () =>
    run(
      'cifar batch',
      [cifarBytes([1, 7], (r, y, x, c) => r + y * x + c)],
      (b) => readCifarBatch(b, 'b.bin'),
      'b.bin',
      3073 * 2,
    ));

  const tar = tarBytes([
    { name: 'dir/', type: '5' },
    { name: 'dir/a.bin', data: ramp(700, 3) },
    { name: 'dir/b.bin', data: ramp(5, 1) },
  ]);
  it('tar', () => run('tar', [tar], (b) => readTar(b, 'a.tar'), 'a.tar', 1536));

  it('CIFAR-10 archive (gzip + tar + batches)', () => {
    const archive = gzipSync(
      tarBytes([{ name: 'cifar-10-batches-bin/test_batch.bin', data: cifarBytes([3], () => 9) }]),
    );
    run(
      'cifar archive',
      [archive],
      (b) =>
        datasetFromCifarArchive(
          { bytes: b, file: 'c.tgz' },
          ['cifar-10-batches-bin/test_batch.bin'],
          { name: 'c' },
        ),
      'c.tgz',
      64,
    );
  });

  const pngs = [
    pngBytes(
      { width: 6, height: 5, colour: 0, depth: 8, samples: ramp(30, 9), filters: [0, 1, 2, 3, 4] },
      zlibSync,
    ),
    pngBytes(
      {
        width: 9,
        height: 4,
        colour: 2,
        depth: 16,
        samples: Array.from({ length: 108 }, (_, i) => i * 601),
        interlace: true,
      },
      zlibSync,
    ),
    pngBytes(
      {
        width: 7,
        height: 3,
        colour: 3,
        depth: 2,
        samples: ramp(21, 1).map((v) => v % 3),
        palette: [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
        ],
        transparency: [0],
      },
      zlibSync,
    ),
    pngBytes(
      { width: 5, height: 5, colour: 4, depth: 8, samples: ramp(50, 5), filters: [4] },
      zlibSync,
    ),
  ];

  it('PNG (raw mutations)', () => run('png', pngs, (b) => decodePng(b, 'i.png'), 'i.png', 48));

  it('PNG (mutations with chunk CRCs repaired, reaching zlib, filters and palettes)', () => {
    const repair = (bytes: Uint8Array): Uint8Array => {
      const out = Uint8Array.from(bytes);
      const view = new DataView(out.buffer);
      let at = 8;
      while (at + 12 <= out.length) {
        const length = view.getUint32(at, false);
        if (at + 12 + length > out.length) break;
        view.setUint32(at + 8 + length, zlibCrc32(out.subarray(at + 4, at + 8 + length)), false);
        at += 12 + length;
      }
      return out;
    };
    const rng = Rng.fromSeed('fuzz:png-repaired');
    const tally = fuzz(
      CASES,
      (i) => repair(mutate(pngs[i % pngs.length]!, rng, 200)),
      (b) => decodePng(b, 'i.png'),
      'i.png',
    );
    tallies['png (CRC repaired)'] = tally;
    expect(tally.rejected).toBeGreaterThan(CASES / 4);
    // Repairing CRCs gets past the chunk layer: the zlib and pixel layers reject inputs too.
    const deep = [...tally.problems.keys()].filter((k) =>
      /PNG image data|filter type|palette index|bit depth|colour type/.test(k),
    );
    expect(deep.length).toBeGreaterThan(0);
  });

  it('PNG folder (random layouts of valid, mutated and non-image files)', async () => {
    const rng = Rng.fromSeed('fuzz:folder');
    const { dir, remove } = tempDir();
    let ok = 0;
    let rejected = 0;
    try {
      for (let c = 0; c < 40; c++) {
        const root = join(dir, `case-${c}`);
        mkdirSync(root);
        const classes = rng.int(3); // 0: flat folder
        const files = rng.int(4);
        for (let k = 0; k < Math.max(classes, 1); k++) {
          const folder = classes ? join(root, `class-${k}`) : root;
          mkdirSync(folder, { recursive: true });
          for (let f = 0; f < files; f++) {
            const base = pngs[rng.int(pngs.length)]!;
            const roll = rng.uniform();
            const bytes =
              roll < 0.6
                ? base
                : roll < 0.9
                  ? mutate(base, rng, 48)
                  : new TextEncoder().encode('not an image');
            writeFileSync(join(folder, `img-${f}.png`), bytes);
          }
        }
        if (rng.uniform() < 0.1) writeFileSync(join(root, 'stray.txt'), 'x');
        try {
          await loadImageFolder(root, { resize: rng.uniform() < 0.5 ? 'bilinear' : 'reject' });
          ok += 1;
        } catch (error) {
          if (!(error instanceof DatasetFormatError))
            expect.fail(
              `case ${c} escaped with ${(error as Error).name}: ${(error as Error).message}`,
            );
          expect(error.file.startsWith(root)).toBe(true);
          rejected += 1;
        }
      }
    } finally {
      remove();
    }
    tallies['png folder (40 layouts)'] = { ok, rejected, problems: new Map() };
    expect(ok).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});

/**
 * Fault injection for the image folders of `dale train` (issue 16, items 12 and 13): sizes far
 * above the presets' are refused from the PNG headers, before any image is decoded, with the
 * `--resize` that fixes it; colour in some images only is named, with `--channels`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '@dale/data';
import { afterAll, describe, expect, it } from 'vitest';
import { daleSync, writeTinyConfig, writeTinyImageFolder } from './fault-run.ts';

const root = mkdtempSync(join(tmpdir(), 'dale-faults-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const config = writeTinyConfig(join(root, 'tiny.json'), { batchSize: 2 });

function greyFolder(name: string, count: number, size: number): string {
  const dir = join(root, name);
  mkdirSync(dir);
  const png = encodePng({
    width: size,
    height: size,
    channels: 1,
    data: new Uint8Array(size * size).fill(60),
  });
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `${i}.png`), png);
  return dir;
}

const train = (dataset: string, out: string, ...extra: string[]) =>
  daleSync([
    'train',
    '--dataset',
    dataset,
    '--config',
    config,
    '--backend',
    'cpu',
    '--steps',
    '1',
    '--out',
    join(root, out),
    ...extra,
  ]);

describe('12. images far above the presets’ sizes', () => {
  it('two 8000×8000 PNGs (77 KB each): refused at once from their headers, with --resize in the message', () => {
    const dir = greyFolder('huge', 2, 8000);
    const started = performance.now();
    const run = train(dir, 'huge-run');
    expect(run.code).toBe(2);
    expect(run.err).toContain(`the images of ${dir} are 8000×8000`);
    expect(run.err).toContain('Pass --resize 28 (or --resize 32)');
    expect(run.err).not.toContain('data:');
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('--resize trains at the size asked, and the run remembers it on --resume', () => {
    const dir = greyFolder('large', 4, 300);
    expect(train(dir, 'large-run').code).toBe(2);
    const run = train(dir, 'large-run', '--resize', '8');
    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain('4 images of 8x8x1');
    const resumed = daleSync([
      'train',
      '--dataset',
      dir,
      '--backend',
      'cpu',
      '--steps',
      '2',
      '--out',
      join(root, 'large-run'),
      '--resume',
    ]);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toContain('4 images of 8x8x1');
    const other = train(dir, 'large-run', '--resume', '--resize', '16');
    expect(other.code).toBe(2);
    expect(other.err).toContain("--resize: the checkpoint's is 8, asked 16");
  }, 60_000);

  it('images of two sizes name --resize (item 7: not the library option resize:)', () => {
    const dir = writeTinyImageFolder(join(root, 'two-sizes'), 2, 8);
    const big = writeTinyImageFolder(join(root, 'twelve'), 1, 12);
    writeFileSync(join(dir, 'z.png'), readFileSync(join(big, 'img-000.png')));
    const run = train(dir, 'two-sizes-run');
    expect(run.code).toBe(1);
    expect(run.err).toContain('wrong dimensions: the image is 12×12');
    expect(run.err).toContain('pass --resize N to resize every image to N×N');
    expect(run.err).not.toContain('resize:');
    expect(train(dir, 'two-sizes-run', '--resize', '8').code).toBe(0);
  }, 60_000);
});

describe('13. one RGBA image among grey ones', () => {
  it('is named, with --channels; --channels 1 trains in grey without the note', () => {
    const dir = writeTinyImageFolder(join(root, 'mixed'), 4, 8);
    const rgba = new Uint8Array(8 * 8 * 4).fill(200);
    writeFileSync(
      join(dir, 'colour.png'),
      encodePng({ width: 8, height: 8, channels: 4, data: rgba }),
    );
    const run = train(dir, 'mixed-run');
    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain(
      `note: 1 of 5 images have colour (e.g. ${join(dir, 'colour.png')}, RGBA) and the others are grey, so every image is read as RGB (3 channels); pass --channels 1 to train in grey`,
    );
    expect(run.err).toContain('5 images of 8x8x3');
    const grey = train(dir, 'mixed-grey', '--channels', '1');
    expect(grey.code, grey.err).toBe(0);
    expect(grey.err).toContain('5 images of 8x8x1');
    expect(grey.err).not.toContain('have colour');
  }, 60_000);
});

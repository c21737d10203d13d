import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng, readPngInfo } from '../src/index.ts';
import { inspectImageFolder, loadImageFolder } from '../src/node.ts';

const root = mkdtempSync(join(tmpdir(), 'dale-folder-limits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('image folders: the total decoded size is bounded before decoding (issue 16, item 12)', () => {
  const dir = join(root, 'sixteen');
  mkdirSync(dir);
  const png = encodePng({ width: 8, height: 8, channels: 1, data: new Uint8Array(64).fill(9) });
  for (let i = 0; i < 16; i++) writeFileSync(join(dir, `${i}.png`), png);

  it('refuses a folder above maxTotalBytes, naming the total', async () => {
    await expect(loadImageFolder(dir, { maxTotalBytes: 4095 })).rejects.toThrow(
      `${dir}: its 16 images take 4096 bytes as float32 at 8×8×1, more than the limit of 4095 (maxTotalBytes)`,
    );
    expect((await loadImageFolder(dir, { maxTotalBytes: 4096 })).size).toBe(16);
  });

  it('readPngInfo and inspectImageFolder read sizes and channels from the headers alone', async () => {
    expect(readPngInfo(png, 'x.png')).toEqual({ width: 8, height: 8, channels: 1 });
    const rgba = encodePng({ width: 3, height: 2, channels: 4, data: new Uint8Array(24) });
    expect(readPngInfo(rgba, 'y.png')).toEqual({ width: 3, height: 2, channels: 4 });
    const { files, classNames } = await inspectImageFolder(dir);
    expect(classNames).toEqual([]);
    expect(files).toHaveLength(16);
    expect(files[0]).toEqual({
      path: join(dir, '0.png'),
      label: 0,
      width: 8,
      height: 8,
      channels: 1,
    });
  });
});

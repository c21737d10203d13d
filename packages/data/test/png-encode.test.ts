import { Rng } from '@dale/core';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { decodePng, encodePng, imageGrid } from '../src/index.ts';

describe('encodePng', () => {
  for (const channels of [1, 2, 3, 4] as const) {
    it(`${channels} channel(s): round-trips through dale's decoder and fast-png's`, () => {
      const rng = Rng.fromSeed(channels);
      const [width, height] = [13, 7];
      const data = Uint8Array.from({ length: width * height * channels }, () => rng.int(256));
      const png = encodePng({ width, height, channels, data });
      const ours = decodePng(png, 'roundtrip.png');
      expect([ours.width, ours.height]).toEqual([width, height]);
      const theirs = decode(png);
      expect(theirs.channels).toBe(channels);
      expect(Array.from(theirs.data as Uint8Array)).toEqual(Array.from(data));
    });
  }

  it('rejects a buffer of the wrong size', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(
      /expected 12 bytes/,
    );
  });
});

describe('imageGrid', () => {
  it('places image k at row ⌊k/columns⌋, column k mod columns, clamping to [0, 1]', () => {
    // Three 2×2 grey images with constant values 0.5, 1.5 (clamped to 1) and −1 (clamped to 0).
    const values = [...Array(4).fill(0.5), ...Array(4).fill(1.5), ...Array(4).fill(-1)];
    const grid = imageGrid(values, [3, 2, 2, 1], { columns: 2, gap: 1, background: 0.2 });
    expect([grid.width, grid.height, grid.channels]).toEqual([2 * 2 + 3, 2 * 2 + 3, 1]);
    const at = (x: number, y: number) => grid.data[y * grid.width + x];
    expect(at(1, 1)).toBe(128); // image 0 at (1, 1)
    expect(at(4, 1)).toBe(255); // image 1 at (4, 1)
    expect(at(1, 4)).toBe(0); // image 2 at (1, 4)
    expect(at(0, 0)).toBe(51); // gap
    expect(at(4, 4)).toBe(51); // the empty fourth cell stays background
  });
});

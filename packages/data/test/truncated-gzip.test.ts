import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzip } from '../src/index.ts';

describe('a truncated gzip file (issue 16, item 8)', () => {
  it('says that the file looks truncated when the bytes read as the trailer declare too much', () => {
    // 8 MB of incompressible bytes (an LCG), cut short at 6 MB as by an interrupted download.
    const data = new Uint8Array(8 * 2 ** 20);
    let state = 12345;
    for (let i = 0; i < data.length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      data[i] = state >>> 24;
    }
    const cut = gzipSync(data).subarray(0, 6 * 2 ** 20);
    const declared = new DataView(cut.buffer, cut.byteOffset).getUint32(cut.length - 4, true);
    expect(declared).toBeGreaterThan(2 ** 30); // what the real probe met: 2912404983
    expect(() => gunzip(cut, 'train-images-idx3-ubyte.gz')).toThrow(
      /more than the limit of 1073741824 \(maxBytes\): the file looks truncated .*download or copy it again/,
    );
  });
});

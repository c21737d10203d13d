import { DaleError } from '@dale/core';
import { zlibSync } from 'fflate';
import { crc32 } from './crc32.ts';
import { PNG_SIGNATURE } from './png.ts';

/** 8-bit pixels to encode as a PNG: row-major, `channels` interleaved values per pixel. */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Uint8Array;
}

const COLOUR_TYPE = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/**
 * Encode 8-bit pixels as a PNG (no filtering, zlib level 6): the writer behind sample grids and
 * nearest-neighbour sheets. Pure JavaScript, so it runs in browsers too.
 */
export function encodePng(image: RawImage): Uint8Array {
  const { width, height, channels, data } = image;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new DaleError(
      'invalid-image',
      `encodePng: width and height must be positive integers, got ${width}×${height}`,
    );
  }
  if (!(channels in COLOUR_TYPE))
    throw new DaleError('invalid-image', `encodePng: channels must be 1–4, got ${channels}`);
  const stride = width * channels;
  if (data.length !== stride * height) {
    throw new DaleError(
      'invalid-image',
      `encodePng: expected ${stride * height} bytes for ${width}×${height}×${channels}, got ${data.length}`,
    );
  }
  const raw = new Uint8Array((stride + 1) * height); // each row: filter byte 0, then the pixels
  for (let y = 0; y < height; y++)
    raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8;
  header[9] = COLOUR_TYPE[channels];
  const parts = [
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', zlibSync(raw, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * A PNG decoder (ISO/IEC 15948) for dataset images: every chunk's CRC checked, IHDR validated
 * and the image size bounded before anything is allocated, the zlib stream inflated to exactly
 * the size the header implies, then unfiltered (all five filters), de-interlaced (Adam7) and
 * unpacked (bit depths 1, 2, 4, 8, 16; grey, grey+alpha, RGB, RGBA, palette with tRNS).
 * @module
 */
import { DatasetFormatError } from '../errors.ts';
import { maxInflatedSize, requireBytes, u32be } from './bytes.ts';
import { crc32 } from './crc32.ts';
import { unzlibExactly } from './inflate.ts';

/** A decoded image: HWC float32 values in [0, 1]. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA (palette images decode to 3, or 4 with tRNS). */
  readonly channels: 1 | 2 | 3 | 4;
  /** height × width × channels values, row-major, in [0, 1]. */
  readonly values: Float32Array;
}

/** Options of {@link decodePng}. */
export interface PngOptions {
  /** Refuse images with more pixels than this; default 2²⁶ (e.g. 8192 × 8192). */
  maxPixels?: number;
}

/** The 8-byte PNG signature. */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** True when `bytes` starts with the PNG signature. */
export function hasPngSignature(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
const COLOUR_NAMES: Record<number, string> = {
  0: 'grey',
  2: 'RGB',
  3: 'palette',
  4: 'grey+alpha',
  6: 'RGBA',
};
/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

interface Header {
  width: number;
  height: number;
  depth: number;
  colour: number;
  interlaced: boolean;
}

interface Chunks {
  header: Header;
  idat: Uint8Array[];
  palette?: Uint8Array;
  transparency?: Uint8Array;
}

function readChunks(bytes: Uint8Array, file: string, maxPixels: number): Chunks {
  if (!hasPngSignature(bytes)) {
    throw new DatasetFormatError(
      file,
      'not a PNG image: it does not start with the PNG signature 89 50 4E 47 0D 0A 1A 0A',
    );
  }
  let offset = 8;
  let header: Header | undefined;
  const idat: Uint8Array[] = [];
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  for (;;) {
    if (offset >= bytes.length) throw new DatasetFormatError(file, 'truncated PNG: no IEND chunk');
    requireBytes(bytes, offset, 8, file, 'a PNG chunk header');
    const length = u32be(bytes, offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) {
      throw new DatasetFormatError(file, `corrupt PNG: invalid chunk type at byte ${offset}`);
    }
    if (length > 0x7fffffff)
      throw new DatasetFormatError(file, `corrupt PNG: chunk ${type} declares ${length} bytes`);
    requireBytes(bytes, offset + 8, length + 4, file, `PNG chunk ${type}`);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    const stored = u32be(bytes, offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== stored) {
      throw new DatasetFormatError(
        file,
        `corrupt PNG: CRC mismatch in chunk ${type} at byte ${offset}`,
      );
    }
    if (!header && type !== 'IHDR')
      throw new DatasetFormatError(file, `corrupt PNG: the first chunk is ${type}, not IHDR`);
    if (type === 'IHDR') {
      if (header) throw new DatasetFormatError(file, 'corrupt PNG: two IHDR chunks');
      header = readHeader(data, file, maxPixels);
    } else if (type === 'PLTE') {
      if (length === 0 || length % 3 !== 0 || length > 768) {
        throw new DatasetFormatError(
          file,
          `corrupt PNG: a PLTE chunk of ${length} bytes (expected 3 to 768, a multiple of 3)`,
        );
      }
      palette = data;
    } else if (type === 'tRNS') transparency = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    else if ((bytes[offset + 4]! & 0x20) === 0) {
      throw new DatasetFormatError(file, `unsupported PNG: unknown critical chunk ${type}`);
    }
    offset += 12 + length;
  }
  if (!header) throw new DatasetFormatError(file, 'corrupt PNG: no IHDR chunk');
  if (idat.length === 0) throw new DatasetFormatError(file, 'corrupt PNG: no IDAT chunk');
  if (header.colour === 3 && !palette)
    throw new DatasetFormatError(file, 'corrupt PNG: a palette image without a PLTE chunk');
  return { header, idat, palette, transparency };
}

function readHeader(data: Uint8Array, file: string, maxPixels: number): Header {
  if (data.length !== 13)
    throw new DatasetFormatError(file, `corrupt PNG: IHDR holds ${data.length} bytes, not 13`);
  const width = u32be(data, 0);
  const height = u32be(data, 4);
  const depth = data[8]!;
  const colour = data[9]!;
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new DatasetFormatError(file, `corrupt PNG: image size ${width}×${height}`);
  }
  if (width * height > maxPixels) {
    throw new DatasetFormatError(
      file,
      `PNG image of ${width}×${height} pixels exceeds the limit of ${maxPixels} pixels (maxPixels)`,
    );
  }
  const depths = DEPTHS[colour];
  if (!depths) throw new DatasetFormatError(file, `corrupt PNG: unknown colour type ${colour}`);
  if (!depths.includes(depth)) {
    throw new DatasetFormatError(
      file,
      `corrupt PNG: bit depth ${depth} is invalid for ${COLOUR_NAMES[colour]} images`,
    );
  }
  if (data[10] !== 0 || data[11] !== 0) {
    throw new DatasetFormatError(
      file,
      `unsupported PNG: compression method ${data[10]}, filter method ${data[11]}`,
    );
  }
  if (data[12]! > 1)
    throw new DatasetFormatError(file, `unsupported PNG: interlace method ${data[12]}`);
  return { width, height, depth, colour, interlaced: data[12] === 1 };
}

/** The sub-images stored in the zlib stream: the whole image, or the seven Adam7 passes. */
function passes(
  h: Header,
): { x0: number; y0: number; dx: number; dy: number; w: number; h: number }[] {
  if (!h.interlaced) return [{ x0: 0, y0: 0, dx: 1, dy: 1, w: h.width, h: h.height }];
  return ADAM7.map(([x0, y0, dx, dy]) => ({
    x0,
    y0,
    dx,
    dy,
    w: h.width > x0 ? Math.ceil((h.width - x0) / dx) : 0,
    h: h.height > y0 ? Math.ceil((h.height - y0) / dy) : 0,
  })).filter((p) => p.w > 0 && p.h > 0);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undo the per-row filters of one (sub)image in place in `raw`; returns the offset after it. */
function unfilter(
  raw: Uint8Array,
  start: number,
  rows: number,
  rowBytes: number,
  bpp: number,
  file: string,
): number {
  let pos = start;
  let prev = -1; // offset of the previous row's first byte, -1 for none
  for (let r = 0; r < rows; r++) {
    const filter = raw[pos]!;
    const row = pos + 1;
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? raw[row + i - bpp]! : 0;
      const b = prev >= 0 ? raw[prev + i]! : 0;
      const c = prev >= 0 && i >= bpp ? raw[prev + i - bpp]! : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4:
          predictor = paeth(a, b, c);
          break;
        default:
          throw new DatasetFormatError(
            file,
            `corrupt PNG: scanline ${r} uses unknown filter type ${filter}`,
          );
      }
      raw[row + i] = (raw[row + i]! + predictor) & 0xff;
    }
    prev = row;
    pos = row + rowBytes;
  }
  return pos;
}

/** What a PNG's chunks say about its image, without decoding it: see {@link readPngInfo}. */
export interface PngInfo {
  readonly width: number;
  readonly height: number;
  /** The channels {@link decodePng} gives: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
}

/**
 * The size and channels of a PNG image from its chunks (every CRC checked), without inflating
 * its pixels: cheap enough to check a whole folder before decoding any of it.
 * @throws {DatasetFormatError} for a malformed PNG, or one above `maxPixels`.
 */
export function readPngInfo(bytes: Uint8Array, file: string, options: PngOptions = {}): PngInfo {
  const { header, transparency } = readChunks(bytes, file, options.maxPixels ?? 2 ** 26);
  const channels =
    header.colour === 3 ? (transparency ? 4 : 3) : (SAMPLES[header.colour] as 1 | 2 | 3 | 4);
  return { width: header.width, height: header.height, channels };
}

/**
 * Decode a PNG file to float values in [0, 1].
 * @throws {DatasetFormatError} for anything but a well-formed PNG within `maxPixels`.
 */
export function decodePng(bytes: Uint8Array, file: string, options: PngOptions = {}): DecodedImage {
  const { header, idat, palette, transparency } = readChunks(
    bytes,
    file,
    options.maxPixels ?? 2 ** 26,
  );
  const { width, height, depth, colour } = header;
  const samples = SAMPLES[colour]!;
  const bitsPerPixel = samples * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const subimages = passes(header);
  const rowBytes = (w: number) => Math.ceil((w * bitsPerPixel) / 8);
  const expected = subimages.reduce((n, p) => n + p.h * (1 + rowBytes(p.w)), 0);
  const compressedLength = idat.reduce((n, c) => n + c.length, 0);
  if (expected > maxInflatedSize(compressedLength)) {
    throw new DatasetFormatError(
      file,
      `corrupt or truncated PNG: ${compressedLength} compressed bytes cannot hold a ${width}×${height} image`,
    );
  }
  const compressed = new Uint8Array(compressedLength);
  let at = 0;
  for (const c of idat) {
    compressed.set(c, at);
    at += c.length;
  }
  const raw = unzlibExactly(compressed, expected, file, 'PNG image data');

  const paletteSize = palette ? palette.length / 3 : 0;
  const channels: 1 | 2 | 3 | 4 =
    colour === 3 ? (transparency ? 4 : 3) : (samples as 1 | 2 | 3 | 4);
  const values = new Float32Array(width * height * channels);
  const maxValue = 2 ** depth - 1;
  let pos = 0;
  for (const p of subimages) {
    const stride = rowBytes(p.w);
    const end = unfilter(raw, pos, p.h, stride, bpp, file);
    for (let y = 0; y < p.h; y++) {
      const row = pos + y * (stride + 1) + 1;
      const py = p.y0 + y * p.dy;
      for (let x = 0; x < p.w; x++) {
        const px = p.x0 + x * p.dx;
        const out = (py * width + px) * channels;
        for (let s = 0; s < samples; s++) {
          const index = x * samples + s;
          let sample: number;
          if (depth === 16) sample = (raw[row + 2 * index]! << 8) | raw[row + 2 * index + 1]!;
          else if (depth === 8) sample = raw[row + index]!;
          else {
            const bit = index * depth;
            sample = (raw[row + (bit >> 3)]! >> (8 - depth - (bit & 7))) & maxValue;
          }
          if (colour === 3) {
            if (sample >= paletteSize) {
              throw new DatasetFormatError(
                file,
                `corrupt PNG: palette index ${sample} at pixel (${px}, ${py}) but the palette has ${paletteSize} colours`,
              );
            }
            values[out] = palette![3 * sample]! / 255;
            values[out + 1] = palette![3 * sample + 1]! / 255;
            values[out + 2] = palette![3 * sample + 2]! / 255;
            if (transparency) values[out + 3] = (transparency[sample] ?? 255) / 255;
          } else {
            values[out + s] = sample / maxValue;
          }
        }
      }
    }
    pos = end;
  }
  return { width, height, channels, values };
}

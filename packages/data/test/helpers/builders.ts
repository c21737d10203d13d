/**
 * Writers for the binary formats, written from the format specifications independently of the
 * readers under test (plus fflate's zip/gzip writers and fast-png's encoder).
 */
import { crc32 } from 'node:zlib';

/** Concatenate byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An IDX file: 0x00 0x00 <type> <rank>, big-endian uint32 dims, data. */
export function idxBytes(dims: readonly number[], data: Uint8Array, type = 0x08): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return concat([header, data]);
}

/** A .npy file (version 1.0 by default) with a header padded to a multiple of 64 bytes. */
export function npyBytes(
  shape: readonly number[],
  data: Uint8Array,
  options: { descr?: string; fortran?: boolean; version?: 1 | 2 | 3; header?: string } = {},
): Uint8Array {
  const version = options.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header =
    options.header ??
    `{'descr': '${options.descr ?? '|u1'}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const prefix = version === 1 ? 10 : 12;
  const padded = Math.ceil((prefix + header.length + 1) / 64) * 64;
  header = header.padEnd(padded - prefix - 1, ' ') + '\n';
  const head = new Uint8Array(prefix + header.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(head.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  head.set(new TextEncoder().encode(header), prefix);
  return concat([head, data]);
}

/** One tar member for {@link tarBytes}. */
export interface TarMember {
  readonly name: string;
  readonly data?: Uint8Array;
  /** Type flag; default '0' (file), '5' for directories. */
  readonly type?: string;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** A 512-byte ustar header with a correct checksum. */
export function tarHeader(name: string, size: number, type = '0', prefix = ''): Uint8Array {
  const h = new Uint8Array(512);
  const enc = new TextEncoder();
  h.set(enc.encode(name).subarray(0, 100), 0);
  h.set(enc.encode(octal(0o644, 8)), 100);
  h.set(enc.encode(octal(1000, 8)), 108);
  h.set(enc.encode(octal(1000, 8)), 116);
  h.set(enc.encode(octal(size, 12)), 124);
  h.set(enc.encode(octal(1234567890, 12)), 136);
  h.set(enc.encode('        '), 148);
  h[156] = type.charCodeAt(0);
  h.set(enc.encode('ustar\0' + '00'), 257);
  h.set(enc.encode(prefix), 345);
  let sum = 0;
  for (const b of h) sum += b;
  h.set(enc.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
  return h;
}

/** A tar archive: header + data padded to 512 bytes per member, then two zero blocks. */
export function tarBytes(members: readonly TarMember[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    const data = m.data ?? new Uint8Array(0);
    parts.push(tarHeader(m.name, data.length, m.type ?? '0'));
    parts.push(data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  return concat(parts);
}

/** CIFAR-10 records: label byte, then R, G, B planes of 1024 bytes; `pixel(r, row, col, ch)`. */
export function cifarBytes(
  labels: readonly number[],
  pixel: (record: number, row: number, col: number, channel: number) => number,
): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, r) => {
    out[r * 3073] = label;
    for (let ch = 0; ch < 3; ch++)
      for (let row = 0; row < 32; row++)
        for (let col = 0; col < 32; col++)
          out[r * 3073 + 1 + ch * 1024 + row * 32 + col] = pixel(r, row, col, ch) & 0xff;
  });
  return out;
}

/** A PNG chunk: length, type, data, CRC-32 of type + data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length, false);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)), false);
  return out;
}

/** Options of {@link pngBytes}. */
export interface PngSpec {
  readonly width: number;
  readonly height: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  readonly colour: 0 | 2 | 3 | 4 | 6;
  readonly depth: 1 | 2 | 4 | 8 | 16;
  /** Samples, row-major, `samplesPerPixel` per pixel (palette: indices). */
  readonly samples: ArrayLike<number>;
  readonly palette?: readonly (readonly [number, number, number])[];
  readonly transparency?: readonly number[];
  readonly interlace?: boolean;
  /** Filter type per scanline (cycled); default 0. */
  readonly filters?: readonly number[];
}

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

function packRow(values: number[], depth: number): Uint8Array {
  if (depth === 16) {
    const out = new Uint8Array(values.length * 2);
    values.forEach((v, i) => {
      out[2 * i] = v >> 8;
      out[2 * i + 1] = v & 0xff;
    });
    return out;
  }
  const out = new Uint8Array(Math.ceil((values.length * depth) / 8));
  values.forEach((v, i) => {
    const bit = i * depth;
    out[bit >> 3]! |= v << (8 - depth - (bit % 8));
  });
  return out;
}

function filterRow(
  kind: number,
  row: Uint8Array,
  prev: Uint8Array | undefined,
  bpp: number,
): Uint8Array {
  const out = new Uint8Array(row.length);
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp]! : 0;
    const b = prev ? prev[i]! : 0;
    const c = prev && i >= bpp ? prev[i - bpp]! : 0;
    const p = a + b - c;
    const paeth =
      Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
        ? a
        : Math.abs(p - b) <= Math.abs(p - c)
          ? b
          : c;
    const predictor = [0, a, b, (a + b) >> 1, paeth][kind]!;
    out[i] = (row[i]! - predictor) & 0xff;
  }
  return out;
}

/** A PNG file written from the specification (any colour type, depth, filters, Adam7). */
export function pngBytes(spec: PngSpec, zlib: (raw: Uint8Array) => Uint8Array): Uint8Array {
  const spp = SAMPLES[spec.colour]!;
  const bpp = Math.max(1, (spp * spec.depth) >> 3);
  const passes = spec.interlace
    ? ADAM7.map(([x0, y0, dx, dy]) => ({ x0, y0, dx, dy }))
    : [{ x0: 0, y0: 0, dx: 1, dy: 1 }];
  const rows: Uint8Array[] = [];
  let rowIndex = 0;
  for (const p of passes) {
    const w = spec.width > p.x0 ? Math.ceil((spec.width - p.x0) / p.dx) : 0;
    const h = spec.height > p.y0 ? Math.ceil((spec.height - p.y0) / p.dy) : 0;
    if (w === 0 || h === 0) continue;
    let prev: Uint8Array | undefined;
    for (let y = 0; y < h; y++) {
      const values: number[] = [];
      for (let x = 0; x < w; x++) {
        const px = p.x0 + x * p.dx;
        const py = p.y0 + y * p.dy;
        for (let s = 0; s < spp; s++) values.push(spec.samples[(py * spec.width + px) * spp + s]!);
      }
      const packed = packRow(values, spec.depth);
      const filters = spec.filters ?? [0];
      const kind = filters[rowIndex++ % filters.length]!;
      rows.push(Uint8Array.of(kind), filterRow(kind, packed, prev, bpp));
      prev = packed;
    }
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, spec.width, false);
  view.setUint32(4, spec.height, false);
  ihdr.set([spec.depth, spec.colour, 0, 0, spec.interlace ? 1 : 0], 8);
  const chunks = [
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    pngChunk('IHDR', ihdr),
  ];
  if (spec.palette) chunks.push(pngChunk('PLTE', Uint8Array.from(spec.palette.flat())));
  if (spec.transparency) chunks.push(pngChunk('tRNS', Uint8Array.from(spec.transparency)));
  const compressed = zlib(concat(rows));
  // Two IDAT chunks, to exercise concatenation.
  const half = compressed.length >> 1;
  chunks.push(
    pngChunk('IDAT', compressed.subarray(0, half)),
    pngChunk('IDAT', compressed.subarray(half)),
  );
  chunks.push(pngChunk('IEND', new Uint8Array(0)));
  return concat(chunks);
}

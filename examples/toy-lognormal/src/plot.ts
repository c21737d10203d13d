import { encode } from 'fast-png';

/** 3×5 bitmap glyphs for panel titles, one string per row ('#' = ink). */
const GLYPHS: Record<string, readonly string[]> = {
  a: ['.#.', '#.#', '###', '#.#', '#.#'],
  b: ['##.', '#.#', '##.', '#.#', '##.'],
  c: ['.##', '#..', '#..', '#..', '.##'],
  d: ['##.', '#.#', '#.#', '#.#', '##.'],
  e: ['###', '#..', '##.', '#..', '###'],
  f: ['###', '#..', '##.', '#..', '#..'],
  g: ['.##', '#..', '#.#', '#.#', '.##'],
  h: ['#.#', '#.#', '###', '#.#', '#.#'],
  i: ['###', '.#.', '.#.', '.#.', '###'],
  j: ['..#', '..#', '..#', '#.#', '.#.'],
  k: ['#.#', '#.#', '##.', '#.#', '#.#'],
  l: ['#..', '#..', '#..', '#..', '###'],
  m: ['#.#', '###', '###', '#.#', '#.#'],
  n: ['##.', '#.#', '#.#', '#.#', '#.#'],
  o: ['.#.', '#.#', '#.#', '#.#', '.#.'],
  p: ['##.', '#.#', '##.', '#..', '#..'],
  q: ['.#.', '#.#', '#.#', '.#.', '..#'],
  r: ['##.', '#.#', '##.', '#.#', '#.#'],
  s: ['.##', '#..', '.#.', '..#', '##.'],
  t: ['###', '.#.', '.#.', '.#.', '.#.'],
  u: ['#.#', '#.#', '#.#', '#.#', '###'],
  v: ['#.#', '#.#', '#.#', '#.#', '.#.'],
  w: ['#.#', '#.#', '###', '###', '#.#'],
  x: ['#.#', '#.#', '.#.', '#.#', '#.#'],
  y: ['#.#', '#.#', '.#.', '.#.', '.#.'],
  z: ['###', '..#', '.#.', '#..', '###'],
  '0': ['###', '#.#', '#.#', '#.#', '###'],
  '1': ['.#.', '##.', '.#.', '.#.', '###'],
  '2': ['##.', '..#', '.#.', '#..', '###'],
  '3': ['##.', '..#', '.#.', '..#', '##.'],
  '4': ['#.#', '#.#', '###', '..#', '..#'],
  '5': ['###', '#..', '##.', '..#', '##.'],
  '6': ['.##', '#..', '###', '#.#', '###'],
  '7': ['###', '..#', '.#.', '.#.', '.#.'],
  '8': ['###', '#.#', '###', '#.#', '###'],
  '9': ['###', '#.#', '###', '..#', '##.'],
  '-': ['...', '...', '###', '...', '...'],
  ' ': ['...', '...', '...', '...', '...'],
  '.': ['...', '...', '...', '...', '.#.'],
  '(': ['.#.', '#..', '#..', '#..', '.#.'],
  ')': ['.#.', '..#', '..#', '..#', '.#.'],
  '=': ['...', '###', '...', '###', '...'],
};

/** An RGB raster. */
export class Canvas {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 3).fill(255);
  }

  set(x: number, y: number, [r, g, b]: readonly [number, number, number]): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (Math.floor(y) * this.width + Math.floor(x)) * 3;
    this.data[i] = r;
    this.data[i + 1] = g;
    this.data[i + 2] = b;
  }

  /** Write `text` (lower-case letters, digits, - . ( ) =) with its top-left corner at (x, y), scale 2. */
  text(
    x: number,
    y: number,
    text: string,
    color: readonly [number, number, number] = [0, 0, 0],
  ): void {
    const scale = 2;
    [...text.toLowerCase()].forEach((ch, k) => {
      const glyph = GLYPHS[ch] ?? GLYPHS[' ']!;
      for (let row = 0; row < 5; row++) {
        for (let col = 0; col < 3; col++) {
          if (glyph[row]![col] !== '#') continue;
          for (let dy = 0; dy < scale; dy++) {
            for (let dx = 0; dx < scale; dx++)
              this.set(x + (k * 4 + col) * scale + dx, y + row * scale + dy, color);
          }
        }
      }
    });
  }

  png(): Uint8Array {
    return encode({
      width: this.width,
      height: this.height,
      data: this.data,
      channels: 3,
      depth: 8,
    });
  }
}

/** One panel of {@link scatterOverDensity}: a title and points (x, y) in data coordinates. */
export interface Panel {
  title: string;
  points: ArrayLike<number>; // interleaved x0, y0, x1, y1, …
}

/**
 * Panels side by side: the target density as a white→blue shading (log-density, clipped 8 nats
 * below its peak), samples as dark orange dots, over the box [lo, hi]².
 */
export function scatterOverDensity(
  logDensity: (points: Float32Array) => Float32Array,
  panels: readonly Panel[],
  box: { lo: number; hi: number },
  size = 260,
): Uint8Array {
  const margin = 24;
  const canvas = new Canvas(panels.length * (size + 8) + 8, size + margin + 8);
  const grid = new Float32Array(size * size * 2);
  const toData = (pixel: number) => box.lo + ((pixel + 0.5) / size) * (box.hi - box.lo);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      grid[(row * size + col) * 2] = toData(col);
      grid[(row * size + col) * 2 + 1] = toData(size - 1 - row);
    }
  }
  const logP = logDensity(grid);
  const peak = logP.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  panels.forEach((panel, p) => {
    const left = 8 + p * (size + 8);
    const top = margin;
    for (let i = 0; i < size * size; i++) {
      const shade = Math.max(0, Math.min(1, (logP[i]! - (peak - 8)) / 8));
      canvas.set(left + (i % size), top + Math.floor(i / size), [
        Math.round(255 - 200 * shade),
        Math.round(255 - 150 * shade),
        255,
      ]);
    }
    const toPixel = (v: number) => ((v - box.lo) / (box.hi - box.lo)) * size;
    for (let k = 0; k + 1 < panel.points.length; k += 2) {
      const px = left + toPixel(panel.points[k]!);
      const py = top + size - toPixel(panel.points[k + 1]!);
      if (px < left || px >= left + size || py < top || py >= top + size) continue;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const)
        canvas.set(px + dx, py + dy, [200, 80, 0]);
    }
    canvas.text(left, 6, panel.title);
  });
  return canvas.png();
}

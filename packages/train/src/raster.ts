/**
 * A minimal RGB drawing surface for charts: rectangles, lines and 5×7 text, every write clipped
 * to the image so that nothing drawn can throw.
 * @module
 */
import type { RawImage } from '@dale/data';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphCells } from './font-5x7.ts';

/** An 8-bit RGB colour. */
export type Rgb = readonly [number, number, number];

/** An RGB image being drawn, filled with a background colour. */
export class RgbRaster {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;

  constructor(width: number, height: number, background: Rgb) {
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.data.set(background, 3 * i);
  }

  /** Colour pixel (x, y); outside the image (or not an integer) does nothing. */
  set(x: number, y: number, colour: Rgb): void {
    if (!(Number.isInteger(x) && Number.isInteger(y))) return;
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.data.set(colour, 3 * (y * this.width + x));
  }

  /** Fill the rectangle of columns x0..x1 and rows y0..y1 (inclusive, any order). */
  fillRect(x0: number, y0: number, x1: number, y1: number, colour: Rgb): void {
    const [left, right] = [
      Math.max(0, Math.min(x0, x1)),
      Math.min(this.width - 1, Math.max(x0, x1)),
    ];
    const [top, bottom] = [
      Math.max(0, Math.min(y0, y1)),
      Math.min(this.height - 1, Math.max(y0, y1)),
    ];
    for (let y = top; y <= bottom; y++) for (let x = left; x <= right; x++) this.set(x, y, colour);
  }

  /**
   * A straight line between pixels (Bresenham; ends rounded and pulled to within one image size
   * of the image, non-finite ends draw nothing), stamping a `brush` × `brush` square at
   * each pixel (its top-left corner on the line).
   */
  line(x0: number, y0: number, x1: number, y1: number, colour: Rgb, brush = 1): void {
    if (![x0, y0, x1, y1].every(Number.isFinite)) return;
    // Ends far outside are pulled in to one image size around it, bounding the work (a safety net:
    // such a line's slope changes, but it was off the image anyway).
    const clampX = (x: number) => Math.round(Math.min(2 * this.width, Math.max(-this.width, x)));
    const clampY = (y: number) => Math.round(Math.min(2 * this.height, Math.max(-this.height, y)));
    [x0, y0, x1, y1] = [clampX(x0), clampY(y0), clampX(x1), clampY(y1)];
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let error = dx + dy;
    let [x, y] = [x0, y0];
    for (;;) {
      this.fillRect(x, y, x + brush - 1, y + brush - 1, colour);
      if (x === x1 && y === y1) return;
      const twice = 2 * error;
      if (twice >= dy) {
        error += dy;
        x += sx;
      }
      if (twice <= dx) {
        error += dx;
        y += sy;
      }
    }
  }

  /** Width in pixels of `text` in the 5×7 font. */
  static textWidth(text: string): number {
    return text.length === 0 ? 0 : text.length * (GLYPH_WIDTH + 1) - 1;
  }

  /** Write `text` with its top-left corner at (x, y). */
  text(x: number, y: number, text: string, colour: Rgb): void {
    [...text].forEach((char, k) => {
      const cells = glyphCells(char);
      const left = x + k * (GLYPH_WIDTH + 1);
      for (let row = 0; row < GLYPH_HEIGHT; row++)
        for (let column = 0; column < GLYPH_WIDTH; column++)
          if (cells[row * GLYPH_WIDTH + column]) this.set(left + column, y + row, colour);
    });
  }

  /** The pixels as an image for `encodePng`. */
  toImage(): RawImage {
    return { width: this.width, height: this.height, channels: 3, data: this.data };
  }
}

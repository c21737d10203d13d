/**
 * Drawing a grid of grey images into a canvas, at one canvas pixel per image pixel (CSS scales
 * it up), with the layout recorded on the canvas's data attributes for whoever reads it back.
 * @module
 */
import { imageGrid } from '@dale/data';
import type { Digits } from './digits.ts';

/** How the images are tiled. */
export interface GridLayout {
  /** Images per row. */
  readonly columns: number;
  /** Pixels between images and around the grid. */
  readonly gap: number;
  /** Grey level of the gaps in [0, 1]: neither ink (1) nor paper (0), so cells stand out. */
  readonly background: number;
}

/** The layout of the page: 4 columns, 2-pixel mid-grey gaps. */
export const GRID_LAYOUT: GridLayout = { columns: 4, gap: 2, background: 0.5 };

/** Draw `digits` into `canvas` (resized to the grid) and record the layout in `canvas.dataset`. */
export function drawGrid(
  canvas: HTMLCanvasElement,
  digits: Digits,
  layout: GridLayout = GRID_LAYOUT,
): void {
  const [count, height, width, channels] = digits.shape;
  const grid = imageGrid(digits.values, digits.shape, layout);
  canvas.width = grid.width;
  canvas.height = grid.height;
  const image = new ImageData(grid.width, grid.height);
  for (let i = 0; i < grid.width * grid.height; i++) {
    for (let c = 0; c < 3; c++)
      image.data[4 * i + c] = grid.data[i * channels + (channels === 1 ? 0 : c)]!;
    image.data[4 * i + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  Object.assign(canvas.dataset, {
    count: String(count),
    cellWidth: String(width),
    cellHeight: String(height),
    columns: String(layout.columns),
    gap: String(layout.gap),
    background: String(Math.round(255 * layout.background)),
  });
}

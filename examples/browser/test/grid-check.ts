/**
 * Reading a canvas of sampled digits back: is it a grid of images (cells of the recorded size
 * between gaps of the recorded grey), and does each cell look like a handwritten digit — ink on
 * paper, not blank, not a flat grey, not pixel noise?
 * @module
 */

/** RGBA pixels as `getImageData` returns them. */
export interface CanvasPixels {
  readonly width: number;
  readonly height: number;
  readonly data: ArrayLike<number>;
}

/** The layout the page records on the canvas (`data-*` attributes). */
export interface GridGeometry {
  readonly count: number;
  readonly columns: number;
  readonly cellWidth: number;
  readonly cellHeight: number;
  readonly gap: number;
  /** Grey level (0–255) of the gaps. */
  readonly background: number;
}

/** Statistics of one cell, with grey levels scaled to [0, 1]. */
export interface CellStats {
  /** Mean grey level: the ink coverage (MNIST digits are white ink on black). */
  readonly mean: number;
  /**
   * Fraction of pixels in the outer quarters of the grey range (< 0.25 or ≥ 0.75): near 1 for a
   * bimodal histogram of ink and paper, 0.5 for uniform noise, 0 for a flat mid grey.
   */
  readonly saturated: number;
  /**
   * Correlation of horizontally and vertically adjacent pixels: strokes make neighbours alike
   * (MNIST: 0.6–0.9), independent pixel noise gives ≈ 0; NaN for a constant cell.
   */
  readonly neighbourCorrelation: number;
}

/** Bounds each cell must meet. */
export interface QualityBounds {
  /** Allowed range of {@link CellStats.mean}. */
  readonly mean: readonly [number, number];
  /** Least {@link CellStats.saturated}. */
  readonly minSaturated: number;
  /** Least {@link CellStats.neighbourCorrelation}. */
  readonly minNeighbourCorrelation: number;
  /** Least mean absolute difference between any two cells (not one image repeated). */
  readonly minCellDifference: number;
}

/**
 * What digits from a trained model must meet. Measured on the first 1,000 MNIST test images:
 * mean 0.034–0.283 (median 0.121), saturated ≥ 0.904 (median 0.949), neighbour correlation
 * ≥ 0.597 (median 0.815); the bounds leave room for samples being rougher than real digits.
 */
export const DIGIT_QUALITY: QualityBounds = {
  mean: [0.03, 0.35],
  minSaturated: 0.8,
  minNeighbourCorrelation: 0.5,
  minCellDifference: 0.02,
};

/**
 * Loose bounds for an untrained placeholder checkpoint (30 training steps), kept to show what
 * the digit bounds reject: its samples are salt-and-pepper noise (mean ≈ 0.42, saturated ≈ 0.88, neighbours
 * uncorrelated), so only "a bimodal, non-blank, varied image per cell" can be asked of them.
 * Uniform noise, blank and flat grey cells still fail these.
 */
export const PLACEHOLDER_QUALITY: QualityBounds = {
  mean: [0.02, 0.7],
  minSaturated: 0.6,
  minNeighbourCorrelation: Number.NEGATIVE_INFINITY,
  minCellDifference: 0.02,
};

/** The bounds the end-to-end test applies: digits (the pretrained model's samples meet them). */
export const SAMPLE_QUALITY: QualityBounds = DIGIT_QUALITY;

/** Pixels of one cell as grey levels in [0, 1] (row-major). */
export type Cell = Float64Array;

/** Cut the grid into cells, checking its size, that it is grey, and that the gaps are `background`. */
export function readGrid(
  pixels: CanvasPixels,
  geometry: GridGeometry,
): { cells: Cell[]; problems: string[] } {
  const { count, columns, cellWidth: w, cellHeight: h, gap, background } = geometry;
  const rows = Math.ceil(count / columns);
  const problems: string[] = [];
  const width = columns * w + (columns + 1) * gap;
  const height = rows * h + (rows + 1) * gap;
  if (pixels.width !== width || pixels.height !== height) {
    return {
      cells: [],
      problems: [
        `canvas is ${pixels.width}×${pixels.height}, expected ${width}×${height} for ${count} cells of ${w}×${h} in ${columns} columns with ${gap}-pixel gaps`,
      ],
    };
  }
  const cellAt = (x: number, y: number) => {
    const cx = x - gap;
    const cy = y - gap;
    const inX = cx >= 0 && cx % (w + gap) < w && Math.floor(cx / (w + gap)) < columns;
    const inY = cy >= 0 && cy % (h + gap) < h && Math.floor(cy / (h + gap)) < rows;
    if (!inX || !inY) return -1;
    const index = Math.floor(cy / (h + gap)) * columns + Math.floor(cx / (w + gap));
    return index < count ? index : -1;
  };
  const cells = Array.from({ length: count }, () => new Float64Array(w * h));
  let notGrey = 0;
  let badGap = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      const [r, g, b, a] = [
        pixels.data[i]!,
        pixels.data[i + 1]!,
        pixels.data[i + 2]!,
        pixels.data[i + 3]!,
      ];
      if (r !== g || g !== b || a !== 255) notGrey++;
      const k = cellAt(x, y);
      if (k < 0) {
        if (Math.abs(r - background) > 1) badGap++;
      } else {
        cells[k]![((y - gap) % (h + gap)) * w + ((x - gap) % (w + gap))] = r / 255;
      }
    }
  }
  if (notGrey > 0) problems.push(`${notGrey} pixels are not opaque grey`);
  if (badGap > 0) problems.push(`${badGap} gap pixels differ from the background ${background}`);
  return { cells, problems };
}

/** The statistics of one `w`-wide cell. */
export function cellStats(cell: Cell, w: number): CellStats {
  const n = cell.length;
  const h = n / w;
  let sum = 0;
  let saturated = 0;
  for (const v of cell) {
    sum += v;
    if (v < 0.25 || v >= 0.75) saturated++;
  }
  const mean = sum / n;
  let variance = 0;
  let covariance = 0;
  let pairs = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = cell[y * w + x]! - mean;
      variance += a * a;
      if (x + 1 < w) {
        covariance += a * (cell[y * w + x + 1]! - mean);
        pairs++;
      }
      if (y + 1 < h) {
        covariance += a * (cell[(y + 1) * w + x]! - mean);
        pairs++;
      }
    }
  }
  return {
    mean,
    saturated: saturated / n,
    neighbourCorrelation: covariance / pairs / (variance / n),
  };
}

/** Every way the cells fall short of `bounds` (empty when they all pass). */
export function qualityProblems(
  cells: readonly Cell[],
  w: number,
  bounds: QualityBounds,
): string[] {
  const problems: string[] = [];
  cells.forEach((cell, k) => {
    const s = cellStats(cell, w);
    const shown = `mean ${s.mean.toFixed(3)}, saturated ${s.saturated.toFixed(3)}, neighbour correlation ${s.neighbourCorrelation.toFixed(3)}`;
    if (!(s.mean >= bounds.mean[0] && s.mean <= bounds.mean[1]))
      problems.push(
        `cell ${k}: mean ${s.mean.toFixed(3)} outside [${bounds.mean.join(', ')}] (${shown})`,
      );
    if (!(s.saturated >= bounds.minSaturated))
      problems.push(
        `cell ${k}: saturated ${s.saturated.toFixed(3)} < ${bounds.minSaturated} (${shown})`,
      );
    if (!(s.neighbourCorrelation >= bounds.minNeighbourCorrelation))
      problems.push(
        `cell ${k}: neighbour correlation ${s.neighbourCorrelation.toFixed(3)} < ${bounds.minNeighbourCorrelation} (${shown})`,
      );
  });
  for (let a = 0; a < cells.length; a++) {
    for (let b = a + 1; b < cells.length; b++) {
      let diff = 0;
      for (let i = 0; i < cells[a]!.length; i++) diff += Math.abs(cells[a]![i]! - cells[b]![i]!);
      diff /= cells[a]!.length;
      if (!(diff >= bounds.minCellDifference))
        problems.push(
          `cells ${a} and ${b} differ by ${diff.toFixed(4)} < ${bounds.minCellDifference}`,
        );
    }
  }
  return problems;
}

/**
 * The loss curve of a run as an RGB image: the raw loss as a light line, its exponential moving
 * average as a dark line, labelled axes, and a logarithmic loss axis when the loss spans more
 * than a decade. Pure JavaScript (no canvas), so it runs wherever training runs.
 * @module
 */
import { DaleError } from '@dale/core';
import type { RawImage } from '@dale/data';
import { GLYPH_HEIGHT } from './font-5x7.ts';
import { type Rgb, RgbRaster } from './raster.ts';

/** One point of a loss curve, e.g. a line of `metrics.jsonl`. */
export interface LossPoint {
  readonly step: number;
  readonly loss: number;
}

/** Options of {@link renderLossCurve}. */
export interface LossCurveOptions {
  /** Image width in pixels, 200–8192; default 640. */
  readonly width?: number;
  /** Image height in pixels, 120–8192; default 360. */
  readonly height?: number;
  /**
   * Time constant, in points, of the exponential moving average drawn as the dark line (≥ 1;
   * 1 draws the raw loss itself); default max(1, n / 30) for n finite points.
   */
  readonly smoothing?: number;
}

/** Pixel rectangle (inclusive) onto which the axis ranges map. */
export interface PlotArea {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** A rendered loss curve: an RGB image for `encodePng`, with its axes. */
export interface LossCurveImage extends RawImage {
  readonly channels: 3;
  /**
   * Where the data goes: step `xRange[0]` ↦ column `left`, `xRange[1]` ↦ `right`, linearly;
   * plotted value `yRange[0]` ↦ row `bottom`, `yRange[1]` ↦ `top`, linearly. The frame is drawn a
   * few pixels outside, so that curves never hide behind it.
   */
  readonly plot: PlotArea;
  /** `'log'` when every finite loss is positive and the largest exceeds 10× the smallest. */
  readonly yScale: 'linear' | 'log';
  /** Step range of the x axis. */
  readonly xRange: readonly [number, number];
  /** Range of the y axis in plotted units: the loss (linear) or log₁₀ of the loss (log). */
  readonly yRange: readonly [number, number];
}

const BACKGROUND: Rgb = [255, 255, 255];
const GRID: Rgb = [230, 230, 230];
const MINOR_GRID: Rgb = [244, 244, 244];
const AXIS: Rgb = [70, 70, 70];
const TEXT: Rgb = [40, 40, 40];
const RAW: Rgb = [160, 186, 228];
const SMOOTHED: Rgb = [20, 50, 140];
/** Pixels between the plot area and the frame. */
const INSET = 4;
const TICK = 3;

interface Axis {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly number[];
}

/** A 1, 2 or 5 × 10ᵏ spacing giving about `count` intervals over `span`. */
function niceSpacing(span: number, count: number): number {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalised = raw / magnitude;
  return (normalised < 1.5 ? 1 : normalised < 3 ? 2 : normalised < 7 ? 5 : 10) * magnitude;
}

/** A linear axis over [lo, hi] (lo < hi) widened to whole multiples of a nice spacing. */
function linearAxis(lo: number, hi: number, count: number, minSpacing = 0): Axis {
  const spacing = Math.max(minSpacing, 2 * niceSpacing(hi / 2 - lo / 2, count)); // halves: no overflow
  const first = Math.floor(lo / spacing);
  const last = Math.ceil(hi / spacing);
  const [min, max] = [first * spacing, last * spacing];
  if (!(spacing > 0 && Number.isFinite(min) && Number.isFinite(max)) || last - first > 100)
    return { min: lo, max: hi, ticks: [lo, hi] };
  const ticks = Array.from({ length: last - first + 1 }, (_, k) => (first + k) * spacing);
  return { min, max, ticks };
}

/** A log axis in exponents: every `stride`-th decade (1, 2 or 5 × 10ᵏ) over [lo, hi] (exponents, lo < hi). */
function logAxis(lo: number, hi: number, count: number): Axis & { stride: number } {
  const needed = (Math.ceil(hi) - Math.floor(lo)) / count;
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(needed)));
  const stride = ([1, 2, 5, 10].find((m) => m * magnitude >= needed) ?? 10) * magnitude;
  const first = Math.floor(Math.floor(lo) / stride);
  const last = Math.ceil(Math.ceil(hi) / stride);
  const ticks = Array.from({ length: last - first + 1 }, (_, k) => (first + k) * stride);
  return { min: first * stride, max: last * stride, ticks, stride };
}

/** Round to `digits` significant digits and drop trailing zeros. */
const significant = (value: number, digits: number) => String(Number(value.toPrecision(digits)));

/** A linear tick label: fixed-point with as many decimals as the spacing needs, else `2.5e-7`. */
function formatLinear(value: number, spacing: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  const resolution = Number.isFinite(spacing) && spacing > 0 ? spacing : magnitude;
  if (magnitude >= 1e5 || magnitude < 1e-3) {
    const digits = Math.floor(Math.log10(magnitude)) - Math.floor(Math.log10(resolution)) + 1;
    return value
      .toExponential(Math.min(5, Math.max(0, digits - 1)))
      .replace(/\.?0+e/, 'e')
      .replace('e+', 'e');
  }
  return value.toFixed(Math.min(8, Math.max(0, -Math.floor(Math.log10(resolution)))));
}

/** A decade label: `0.01`, `1`, `1000`, or `1e-7` / `1e12` beyond. */
function formatDecade(exponent: number): string {
  if (exponent >= -3 && exponent <= 4) return (10 ** exponent).toFixed(Math.max(0, -exponent));
  return `1e${exponent}`;
}

/** A step label: `750`, `2500`, `12.5k`, `3M`. */
function formatStep(step: number): string {
  const magnitude = Math.abs(step);
  if (magnitude < 1e4) return significant(step, 6);
  if (magnitude < 1e6) return `${significant(step / 1e3, 4)}k`;
  return `${significant(step / 1e6, 4)}M`;
}

/** Map `value` in [lo, hi] linearly onto [from, to] (halving first, so huge ranges do not overflow). */
const mapRange = (value: number, lo: number, hi: number, from: number, to: number) =>
  from + ((value / 2 - lo / 2) / (hi / 2 - lo / 2)) * (to - from);

/** The loss axis over [lo, hi] in plotted units, its tick labels and (log) minor gridlines. */
function lossAxis(scale: 'linear' | 'log', lo: number, hi: number, count: number) {
  if (scale === 'log') {
    const axis = logAxis(Math.log10(lo), Math.log10(hi), count);
    const minorTicks =
      axis.stride === 1 && axis.max - axis.min <= 4
        ? axis.ticks
            .slice(0, -1)
            .flatMap((e) => [2, 3, 4, 5, 6, 7, 8, 9].map((m) => e + Math.log10(m)))
        : [];
    return { axis: axis as Axis, labels: axis.ticks.map(formatDecade), minorTicks };
  }
  const pad = lo === hi ? (lo === 0 ? 1 : Math.abs(lo) / 10) : 0; // a constant loss: centred
  const axis = linearAxis(lo - pad, hi + pad, count);
  const spacing = axis.ticks.length > 1 ? axis.ticks[1]! - axis.ticks[0]! : 1;
  return { axis, labels: axis.ticks.map((v) => formatLinear(v, spacing)), minorTicks: [] };
}

function requireSize(name: string, value: number, min: number): number {
  if (!(Number.isInteger(value) && value >= min && value <= 8192)) {
    throw new DaleError(
      'invalid-loss-curve-options',
      `renderLossCurve: ${name} must be an integer in [${min}, 8192], got ${value}`,
    );
  }
  return value;
}

/**
 * Draw a loss curve (points in step order; points with a non-finite step or loss are skipped):
 * the raw loss as a light line and its bias-corrected exponential moving average as a dark
 * line, on a log₁₀ loss axis when every loss is positive and they span more than a decade (the
 * average is then taken of log₁₀ of the loss, i.e. a geometric mean). Axes carry tick labels
 * in a built-in 5×7 font. Encode the result with `encodePng` from `@dale/data`.
 */
export function renderLossCurve(
  points: readonly LossPoint[],
  options: LossCurveOptions = {},
): LossCurveImage {
  const width = requireSize('width', options.width ?? 640, 200);
  const height = requireSize('height', options.height ?? 360, 120);
  const finite = points.filter((p) => Number.isFinite(p.step) && Number.isFinite(p.loss));
  const smoothing = options.smoothing ?? Math.max(1, finite.length / 30);
  if (!(Number.isFinite(smoothing) && smoothing >= 1)) {
    throw new DaleError(
      'invalid-loss-curve-options',
      `renderLossCurve: smoothing must be a finite number >= 1, got ${smoothing}`,
    );
  }

  let [lossLo, lossHi, stepLo, stepHi] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const { step, loss } of finite) {
    [lossLo, lossHi] = [Math.min(lossLo, loss), Math.max(lossHi, loss)];
    [stepLo, stepHi] = [Math.min(stepLo, step), Math.max(stepHi, step)];
  }
  if (finite.length === 0) [lossLo, lossHi, stepLo, stepHi] = [0, 1, 0, 1];
  const yScale = lossLo > 0 && lossHi / lossLo > 10 ? 'log' : 'linear';
  const plotted = yScale === 'log' ? Math.log10 : (loss: number) => loss;

  // Frame and plot area; the left margin fits the widest loss label.
  const frameTop = 16;
  const frameBottom = height - 29;
  const frameRight = width - 12;
  const {
    axis: yAxis,
    labels: yLabels,
    minorTicks,
  } = lossAxis(yScale, lossLo, lossHi, Math.max(2, Math.floor((frameBottom - frameTop) / 45)));
  const frameLeft = Math.max(...yLabels.map(RgbRaster.textWidth)) + TICK + 6;
  const plot: PlotArea = {
    left: frameLeft + INSET,
    top: frameTop + INSET,
    right: frameRight - INSET,
    bottom: frameBottom - INSET,
  };
  const xPad = stepLo === stepHi ? 1 : 0;
  const xAxis = linearAxis(
    stepLo - xPad,
    stepHi + xPad,
    Math.max(2, Math.floor((plot.right - plot.left) / 90)),
    1,
  );
  const column = (step: number) =>
    Math.round(mapRange(step, xAxis.min, xAxis.max, plot.left, plot.right));
  const row = (value: number) =>
    Math.round(mapRange(value, yAxis.min, yAxis.max, plot.bottom, plot.top));

  const image = new RgbRaster(width, height, BACKGROUND);
  for (const value of minorTicks)
    image.line(frameLeft + 1, row(value), frameRight - 1, row(value), MINOR_GRID);
  yAxis.ticks.forEach((value, k) => {
    const y = row(value);
    image.line(frameLeft + 1, y, frameRight - 1, y, GRID);
    image.line(frameLeft - TICK, y, frameLeft - 1, y, AXIS);
    const label = yLabels[k]!;
    image.text(frameLeft - TICK - 3 - RgbRaster.textWidth(label), y - 3, label, TEXT);
  });
  const xSpacing = xAxis.ticks.length > 1 ? xAxis.ticks[1]! - xAxis.ticks[0]! : 1;
  for (const step of xAxis.ticks) {
    const x = column(step);
    image.line(x, frameTop + 1, x, frameBottom - 1, GRID);
    image.line(x, frameBottom + 1, x, frameBottom + TICK, AXIS);
    const label = xSpacing >= 1 ? formatStep(step) : formatLinear(step, xSpacing);
    image.text(x - Math.floor(RgbRaster.textWidth(label) / 2), frameBottom + TICK + 3, label, TEXT);
  }
  for (const [x0, y0, x1, y1] of [
    [frameLeft, frameTop, frameRight, frameTop],
    [frameLeft, frameBottom, frameRight, frameBottom],
    [frameLeft, frameTop, frameLeft, frameBottom],
    [frameRight, frameTop, frameRight, frameBottom],
  ] as const)
    image.line(x0, y0, x1, y1, AXIS);

  // Titles and legend.
  image.text(
    frameLeft,
    frameTop - GLYPH_HEIGHT - 4,
    yScale === 'log' ? 'loss (log)' : 'loss',
    TEXT,
  );
  const stepTitleWidth = RgbRaster.textWidth('step');
  image.text(
    Math.round((frameLeft + frameRight - stepTitleWidth) / 2),
    height - GLYPH_HEIGHT - 2,
    'step',
    TEXT,
  );
  const legendY = frameTop - GLYPH_HEIGHT - 4;
  let legendX =
    frameRight - (RgbRaster.textWidth('raw') + RgbRaster.textWidth('ema') + 2 * 16 + 12);
  for (const [label, colour] of [
    ['raw', RAW],
    ['ema', SMOOTHED],
  ] as const) {
    image.fillRect(legendX, legendY + 3, legendX + 11, legendY + 4, colour);
    image.text(legendX + 16, legendY, label, TEXT);
    legendX += 16 + RgbRaster.textWidth(label) + 12;
  }

  // Curves: raw first, the moving average over it.
  const decay = 1 - 1 / smoothing;
  let [average, weight] = [0, 0];
  const smoothed = finite.map(({ loss }) => {
    average = decay * average + (1 - decay) * plotted(loss);
    weight = decay * weight + (1 - decay);
    return average / weight;
  });
  // Points sharing a pixel column collapse to the vertical span they cover, joined to the
  // neighbouring columns: the same picture as segment by segment, in O(points + pixels).
  const polyline = (values: readonly number[], colour: Rgb, brush: number) => {
    let previous: readonly [number, number] | undefined;
    for (let k = 0; k < values.length; ) {
      const x = column(finite[k]!.step);
      const first = row(values[k]!);
      let [top, bottom, last] = [first, first, first];
      for (k++; k < values.length && column(finite[k]!.step) === x; k++) {
        last = row(values[k]!);
        [top, bottom] = [Math.min(top, last), Math.max(bottom, last)];
      }
      image.line(previous?.[0] ?? x, previous?.[1] ?? first, x, first, colour, brush);
      image.line(x, top, x, bottom, colour, brush);
      previous = [x, last];
    }
  };
  polyline(
    finite.map(({ loss }) => plotted(loss)),
    RAW,
    1,
  );
  polyline(smoothed, SMOOTHED, 2);

  return {
    ...image.toImage(),
    channels: 3,
    plot,
    yScale,
    xRange: [xAxis.min, xAxis.max],
    yRange: [yAxis.min, yAxis.max],
  };
}

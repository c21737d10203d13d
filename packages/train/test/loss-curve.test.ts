import { DaleError } from '@dale/core';
import { decodePng, encodePng } from '@dale/data';
import { describe, expect, it } from 'vitest';
import { type LossCurveImage, type LossPoint, renderLossCurve } from '../src/index.ts';

const series = (steps: readonly number[], loss: (step: number) => number): LossPoint[] =>
  steps.map((step) => ({ step, loss: loss(step) }));
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, k) => from + k);

const rgb = (image: LossCurveImage, x: number, y: number) => {
  const i = 3 * (y * image.width + x);
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!] as const;
};
/** Dark = luminance below 100: the moving-average line; raw line, grid and background are light. */
const isDark = (image: LossCurveImage, x: number, y: number) => {
  const [r, g, b] = rgb(image, x, y);
  return 0.299 * r + 0.587 * g + 0.114 * b < 100;
};
const isBackground = (image: LossCurveImage, x: number, y: number) =>
  rgb(image, x, y).every((v) => v === 255);

/**
 * Dark rows of column x inside the plot. The frame lies a few pixels outside the plot area
 * (its documented contract), so one pixel of margin (the 2-pixel brush) never reaches it.
 */
const darkRows = (image: LossCurveImage, x: number) =>
  range(image.plot.top - 1, image.plot.bottom + 1).filter((y) => isDark(image, x, y));
const darkColumns = (image: LossCurveImage) =>
  range(image.plot.left - 1, image.plot.right + 1).filter((x) => darkRows(image, x).length > 0);

// The documented axis mapping, written out independently of the renderer (in halves, so that a
// range of ±Number.MAX_VALUE does not overflow).
const fraction = (value: number, [lo, hi]: readonly [number, number]) =>
  (value / 2 - lo / 2) / (hi / 2 - lo / 2);
const column = (image: LossCurveImage, step: number) =>
  Math.round(image.plot.left + fraction(step, image.xRange) * (image.plot.right - image.plot.left));
const row = (image: LossCurveImage, loss: number) => {
  const value = image.yScale === 'log' ? Math.log10(loss) : loss;
  const { top, bottom } = image.plot;
  return Math.round(bottom - fraction(value, image.yRange) * (bottom - top));
};
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
/** The curve passes through (step, loss): a dark pixel within 1 px of the mapped point. */
const expectDarkNear = (image: LossCurveImage, step: number, loss: number) => {
  const x = column(image, step);
  const y = row(image, loss);
  const near = [x - 1, x, x + 1].some((c) => darkRows(image, c).some((r) => Math.abs(r - y) <= 1));
  expect(near, `dark pixel near step ${step}, loss ${loss} (column ${x}, row ${y})`).toBe(true);
};

describe('renderLossCurve', () => {
  it('draws a decreasing series from the top left to the bottom right, through every mapped point', () => {
    const image = renderLossCurve(
      series(range(0, 100), (s) => 10 - 0.05 * s),
      { smoothing: 1 }, // the dark line is then the loss itself
    );
    expect([image.width, image.height, image.channels, image.data.length]).toEqual([
      640,
      360,
      3,
      640 * 360 * 3,
    ]);
    expect(image.yScale).toBe('linear'); // 10 → 5: half a decade
    expect(image.yRange[0]).toBeLessThanOrEqual(5);
    expect(image.yRange[1]).toBeGreaterThanOrEqual(10);
    for (const s of [0, 10, 25, 50, 75, 90, 100]) expectDarkNear(image, s, 10 - 0.05 * s);
    const columns = darkColumns(image);
    const first = mean(darkRows(image, columns[0]!));
    const last = mean(darkRows(image, columns[columns.length - 1]!));
    // Rows grow downwards; the loss halves over an axis at most ~[4, 10] (checked above + nice ticks).
    expect(last - first).toBeGreaterThan(0.4 * (image.plot.bottom - image.plot.top));
    // Monotone: every column's dark pixels sit at or below the previous column's (2 px brush).
    const centres = columns.map((x) => mean(darkRows(image, x)));
    for (let k = 1; k < centres.length; k++)
      expect(centres[k]!).toBeGreaterThanOrEqual(centres[k - 1]! - 1);
  });

  it('draws a constant series as one horizontal band across the steps', () => {
    const image = renderLossCurve(series(range(1, 50), () => 0.25));
    const rows = new Set(darkColumns(image).flatMap((x) => darkRows(image, x)));
    expect(rows.size).toBeLessThanOrEqual(2); // the 2-pixel brush
    expect(Math.min(...rows)).toBe(row(image, 0.25));
    const columns = darkColumns(image);
    expect(columns[0]).toBe(column(image, 1));
    expect(columns[columns.length - 1]).toBe(column(image, 50) + 1); // brush's second column
    expect(columns.length).toBe(column(image, 50) + 2 - column(image, 1)); // no gaps
  });

  it('draws the raw loss light and its moving average dark', () => {
    // Alternating 0.5 / 1.5: the raw line zig-zags over the whole band, an EMA with a time
    // constant of 30 points stays within 0.5·(1/30)/(2 − 1/30) ≈ 0.009 of 1 once warmed up.
    const image = renderLossCurve(
      series(range(1, 300), (s) => (s % 2 === 0 ? 1.5 : 0.5)),
      { smoothing: 30 },
    );
    const middle = row(image, 1);
    const tolerance = Math.abs(row(image, 1.02) - middle) + 2; // 0.02 in loss, 2 px of brush and rounding
    for (const x of range(column(image, 100), column(image, 300) - 1))
      for (const y of darkRows(image, x))
        expect(Math.abs(y - middle)).toBeLessThanOrEqual(tolerance);
    const light = (y: number) =>
      range(column(image, 100), column(image, 300)).some(
        (x) => !isDark(image, x, y) && rgb(image, x, y)[2] > rgb(image, x, y)[0] + 30, // blue
      );
    expect(light(row(image, 1.5))).toBe(true);
    expect(light(row(image, 0.5))).toBe(true);
  });

  it('uses a log axis exactly when positive losses span more than a decade', () => {
    const decay = renderLossCurve(
      series(range(0, 60), (s) => 100 * 0.9 ** s),
      { smoothing: 1 },
    );
    expect(decay.yScale).toBe('log');
    expect(decay.yRange[0]).toBeLessThanOrEqual(Math.log10(100 * 0.9 ** 60));
    expect(decay.yRange[1]).toBeGreaterThanOrEqual(2);
    for (const s of [0, 15, 30, 45, 60]) expectDarkNear(decay, s, 100 * 0.9 ** s);
    // An exponential decay is a straight line on a log axis: equally spaced steps, equally spaced rows.
    const rows = [0, 12, 24, 36, 48, 60].map((s) => mean(darkRows(decay, column(decay, s))));
    const gaps = rows.slice(1).map((r, k) => r - rows[k]!);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(2);
    expect(gaps[0]).toBeGreaterThan(10);

    expect(renderLossCurve(series([1, 2], (s) => (s === 1 ? 10 : 1))).yScale).toBe('linear'); // exactly 10×
    expect(renderLossCurve(series([1, 2], (s) => (s === 1 ? 10.5 : 1))).yScale).toBe('log');
    expect(renderLossCurve(series([1, 2], (s) => (s === 1 ? 100 : -1))).yScale).toBe('linear');
  });

  it('labels the axes', () => {
    const image = renderLossCurve(series(range(1, 200), (s) => 1 / s));
    const { left, top, right, bottom } = image.plot;
    const inked = (xs: number[], ys: number[]) =>
      xs.flatMap((x) => ys.filter((y) => !isBackground(image, x, y))).length;
    // Loss labels left of the frame's tick marks, step labels and title below the frame.
    expect(inked(range(0, left - 9), range(top - 4, bottom + 4))).toBeGreaterThan(50);
    expect(inked(range(left, right), range(bottom + 9, image.height - 1))).toBeGreaterThan(100);
    // The loss labels follow the data.
    const other = renderLossCurve(series(range(1, 200), (s) => 1000 + s));
    const labels = (img: LossCurveImage) =>
      range(0, Math.min(image.plot.left, img.plot.left) - 9).flatMap((x) =>
        range(top, bottom).map((y) => rgb(img, x, y)[0]),
      );
    expect(labels(other)).not.toEqual(labels(image));
  });

  it('handles one point, no finite points, NaN and Infinity, and huge ranges', () => {
    const one = renderLossCurve([{ step: 7, loss: 0.3 }]);
    expect(darkColumns(one)).toEqual([column(one, 7), column(one, 7) + 1]);
    expect(darkRows(one, column(one, 7))).toEqual([row(one, 0.3), row(one, 0.3) + 1]);

    for (const points of [
      [],
      [
        { step: 1, loss: Number.NaN },
        { step: Infinity, loss: 1 },
      ],
    ]) {
      const empty = renderLossCurve(points);
      expect(darkColumns(empty)).toEqual([]);
    }

    const clean = series(range(1, 90), (s) => 2 / s + 0.1);
    const dirty = clean.flatMap((p, k) =>
      k % 10 === 3
        ? [p, { step: p.step, loss: Number.NaN }, { step: p.step, loss: Infinity }]
        : k % 10 === 7
          ? [p, { step: p.step, loss: -Infinity }, { step: Number.NaN, loss: 5 }]
          : [p],
    );
    expect(renderLossCurve(dirty).data).toEqual(renderLossCurve(clean).data);

    const logHuge = renderLossCurve(series([1, 2, 3], (s) => [1e-300, 1e300, 5e-324][s - 1]!));
    expect(logHuge.yScale).toBe('log');
    expect(darkColumns(logHuge).length).toBeGreaterThan(100);
    const max = Number.MAX_VALUE;
    const linearHuge = renderLossCurve(
      series([1, 2, 3], (s) => [-max, max, 0][s - 1]!),
      {
        smoothing: 1,
      },
    );
    expect(linearHuge.yScale).toBe('linear');
    expect(linearHuge.yRange.every(Number.isFinite)).toBe(true);
    expectDarkNear(linearHuge, 3, 0);
    expect(
      Math.abs(row(linearHuge, 0) - (linearHuge.plot.top + linearHuge.plot.bottom) / 2),
    ).toBeLessThanOrEqual(1);
  });

  it('encodes to a PNG that decodes to the same pixels, at any size', () => {
    for (const [width, height] of [
      [640, 360],
      [300, 200],
    ] as const) {
      const image = renderLossCurve(
        series(range(1, 30), (s) => 1 / s),
        { width, height },
      );
      const decoded = decodePng(encodePng(image), 'loss.png');
      expect([decoded.width, decoded.height, decoded.channels]).toEqual([width, height, 3]);
      expect(Array.from(decoded.values, (v) => Math.round(255 * v))).toEqual(
        Array.from(image.data),
      );
    }
  });

  it('rejects bad sizes and smoothing, naming the option', () => {
    const points = series([1, 2], () => 1);
    for (const [options, name] of [
      [{ width: 100 }, 'width'],
      [{ height: 1.5 }, 'height'],
      [{ smoothing: 0.5 }, 'smoothing'],
      [{ smoothing: Number.NaN }, 'smoothing'],
    ] as const) {
      const error = (() => {
        try {
          renderLossCurve(points, options);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(DaleError);
      expect((error as DaleError).code).toBe('invalid-loss-curve-options');
      expect((error as Error).message).toContain(name);
    }
  });
});

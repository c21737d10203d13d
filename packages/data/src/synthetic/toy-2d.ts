/**
 * Two-dimensional toy distributions with exact sampling — two moons, a ring (uniform annulus),
 * a checkerboard — and positive versions of them (shifted or exponentiated) for multiplicative
 * diffusion.
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/** Axis-aligned bounds [[xmin, xmax], [ymin, ymax]] of a distribution's support. */
export type Bounds2D = readonly [readonly [number, number], readonly [number, number]];

/** JSON form of a toy shape. */
export type ToyShapeConfig =
  | { readonly kind: 'two-moons'; readonly noise: number }
  | { readonly kind: 'ring'; readonly radius: number; readonly width: number }
  | { readonly kind: 'checkerboard'; readonly cells: number; readonly size: number }
  | { readonly kind: 'positive'; readonly map: PositiveMap; readonly base: ToyShapeConfig };

/** How {@link positiveToy} makes a shape positive: x + c (bounded shapes only) or exp(x). */
export type PositiveMap = { readonly kind: 'shift'; readonly c: number } | { readonly kind: 'exp' };

/** A 2-D distribution with exact sampling. */
export interface ToyShape {
  /** Always 2. */
  readonly dim: 2;
  /** Bounds of the support; undefined when unbounded (e.g. Gaussian noise). */
  readonly bounds: Bounds2D | undefined;
  /** n exact draws as a flat [x0, y0, x1, y1, …] array. */
  sampleValues(n: number, rng: Rng): Float32Array;
  /** n exact draws, shape [n, 2]. */
  sample(n: number, rng: Rng): tf.Tensor2D;
  toJSON(): ToyShapeConfig;
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 0)
    throw new DaleError('invalid-toy', `sample count must be a non-negative integer, got ${n}`);
}

function shape(
  bounds: Bounds2D | undefined,
  config: ToyShapeConfig,
  draw: (rng: Rng, out: Float32Array, i: number) => void,
): ToyShape {
  const sampleValues = (n: number, rng: Rng): Float32Array => {
    checkCount(n);
    const out = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) draw(rng, out, i);
    return out;
  };
  return {
    dim: 2,
    bounds,
    sampleValues,
    sample: (n, rng) => tf.tensor2d(sampleValues(n, rng), [n, 2]),
    toJSON: () => config,
  };
}

/**
 * Two interleaved half circles (scikit-learn's `make_moons` layout), each chosen with
 * probability ½: the upper moon (cos θ, sin θ) and the lower moon (1 − cos θ, ½ − sin θ) with
 * θ ~ U[0, π], plus N(0, noise²) on each coordinate. Bounded only when noise = 0.
 */
export function twoMoons(options: { noise?: number } = {}): ToyShape {
  const noise = options.noise ?? 0.05;
  if (!(noise >= 0 && Number.isFinite(noise)))
    throw new DaleError('invalid-toy', `two moons: noise must be finite and >= 0, got ${noise}`);
  const bounds: Bounds2D | undefined =
    noise === 0
      ? [
          [-1, 2],
          [-0.5, 1],
        ]
      : undefined;
  return shape(bounds, { kind: 'two-moons', noise }, (rng, out, i) => {
    const theta = Math.PI * rng.uniform();
    const upper = rng.uniform() < 0.5;
    const x = upper ? Math.cos(theta) : 1 - Math.cos(theta);
    const y = upper ? Math.sin(theta) : 0.5 - Math.sin(theta);
    out[2 * i] = noise ? x + noise * rng.normal() : x;
    out[2 * i + 1] = noise ? y + noise * rng.normal() : y;
  });
}

/**
 * The uniform distribution on the annulus radius − width/2 ≤ r ≤ radius + width/2: θ ~ U[0, 2π),
 * r = √(r₀² + U (r₁² − r₀²)) (exact inversion of the radial CDF).
 */
export function ring(options: { radius?: number; width?: number } = {}): ToyShape {
  const radius = options.radius ?? 1;
  const width = options.width ?? 0.2;
  if (!(radius > 0 && width > 0 && width <= 2 * radius && Number.isFinite(radius + width))) {
    throw new DaleError(
      'invalid-toy',
      `ring: need radius > 0 and 0 < width <= 2·radius, got radius ${radius}, width ${width}`,
    );
  }
  const r0 = radius - width / 2;
  const r1 = radius + width / 2;
  return shape(
    [
      [-r1, r1],
      [-r1, r1],
    ],
    { kind: 'ring', radius, width },
    (rng, out, i) => {
      const theta = 2 * Math.PI * rng.uniform();
      const r = Math.sqrt(r0 * r0 + rng.uniform() * (r1 * r1 - r0 * r0));
      out[2 * i] = r * Math.cos(theta);
      out[2 * i + 1] = r * Math.sin(theta);
    },
  );
}

/**
 * The uniform distribution on the dark cells of a `cells` × `cells` board covering
 * [−size/2, size/2]²; cell (i, j) (column i, row j from the lower-left corner) is dark when
 * i + j is even. Exact: a dark cell uniformly, then a uniform point in it.
 */
export function checkerboard(options: { cells?: number; size?: number } = {}): ToyShape {
  const cells = options.cells ?? 4;
  const size = options.size ?? 4;
  if (!(Number.isInteger(cells) && cells >= 2 && size > 0 && Number.isFinite(size))) {
    throw new DaleError(
      'invalid-toy',
      `checkerboard: need an integer cells >= 2 and size > 0, got cells ${cells}, size ${size}`,
    );
  }
  const dark: [number, number][] = [];
  for (let j = 0; j < cells; j++)
    for (let i = 0; i < cells; i++) if ((i + j) % 2 === 0) dark.push([i, j]);
  const side = size / cells;
  const half = size / 2;
  return shape(
    [
      [-half, half],
      [-half, half],
    ],
    { kind: 'checkerboard', cells, size },
    (rng, out, k) => {
      const [i, j] = dark[rng.int(dark.length)]!;
      out[2 * k] = -half + (i + rng.uniform()) * side;
      out[2 * k + 1] = -half + (j + rng.uniform()) * side;
    },
  );
}

/**
 * A positive version of `base`: x + c (needs bounded support with lower bounds + c > 0) or
 * exp(x) (any shape). Exact: the same draws as `base`, mapped.
 */
export function positiveToy(base: ToyShape, map: PositiveMap = { kind: 'exp' }): ToyShape {
  let bounds: Bounds2D | undefined;
  let apply: (v: number) => number;
  if (map.kind === 'shift') {
    const c = map.c;
    if (!base.bounds) {
      throw new DaleError(
        'invalid-toy',
        `positiveToy: a shift cannot make an unbounded shape (${base.toJSON().kind}) positive; use { kind: 'exp' }`,
      );
    }
    const low = Math.min(base.bounds[0][0], base.bounds[1][0]);
    if (!(low + c > 0)) {
      throw new DaleError(
        'invalid-toy',
        `positiveToy: shift c = ${c} leaves values down to ${low + c}; need c > ${-low}`,
      );
    }
    bounds = [
      [base.bounds[0][0] + c, base.bounds[0][1] + c],
      [base.bounds[1][0] + c, base.bounds[1][1] + c],
    ];
    apply = (v) => v + c;
  } else if (map.kind === 'exp') {
    bounds = base.bounds && [
      [Math.exp(base.bounds[0][0]), Math.exp(base.bounds[0][1])],
      [Math.exp(base.bounds[1][0]), Math.exp(base.bounds[1][1])],
    ];
    apply = Math.exp;
  } else {
    throw new DaleError('invalid-toy', `positiveToy: unknown map ${JSON.stringify(map)}`);
  }
  const sampleValues = (n: number, rng: Rng): Float32Array => {
    const values = base.sampleValues(n, rng);
    for (let i = 0; i < values.length; i++) values[i] = apply(values[i]!);
    return values;
  };
  return {
    dim: 2,
    bounds,
    sampleValues,
    sample: (n, rng) => tf.tensor2d(sampleValues(n, rng), [n, 2]),
    toJSON: () => ({ kind: 'positive', map, base: base.toJSON() }),
  };
}

/** Rebuild a toy shape from {@link ToyShape.toJSON}. */
export function toyFromConfig(config: ToyShapeConfig): ToyShape {
  switch (config.kind) {
    case 'two-moons':
      return twoMoons({ noise: config.noise });
    case 'ring':
      return ring({ radius: config.radius, width: config.width });
    case 'checkerboard':
      return checkerboard({ cells: config.cells, size: config.size });
    case 'positive':
      return positiveToy(toyFromConfig(config.base), config.map);
    default:
      throw new DaleError(
        'invalid-toy',
        `unknown toy shape ${JSON.stringify((config as { kind?: unknown }).kind)}`,
      );
  }
}

/**
 * Positivity transforms: invertible maps from data in [0, 1] to strictly positive values, as
 * multiplicative diffusion needs (guide: §7, "data made positive by x ↦ x + 1"). Each one is
 * recorded in a checkpoint's config ({@link PositivityTransform.toJSON}) and rebuilt with
 * {@link transformFromConfig}, so samples map back exactly.
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/** JSON form of {@link shiftTransform}. */
export interface ShiftConfig {
  readonly kind: 'shift';
  readonly c: number;
}

/** JSON form of {@link affineTransform}. */
export interface AffineConfig {
  readonly kind: 'affine';
  readonly a: number;
  readonly b: number;
}

/** JSON form of {@link dequantizeTransform}. */
export interface DequantizeConfig {
  readonly kind: 'dequantize';
  /** Grey levels of the data (256 for 8-bit pixels). */
  readonly levels: 256;
  /** Noise resolution: u takes `subLevels` equally spaced values in (0, 1). */
  readonly subLevels: number;
  /** The deterministic map applied after dequantization. */
  readonly map: ShiftConfig | AffineConfig;
}

/** JSON form of any positivity transform. */
export type TransformConfig = ShiftConfig | AffineConfig | DequantizeConfig;

/** An invertible map from data in [0, 1] into [range[0], range[1]] with range[0] > 0. */
export interface PositivityTransform {
  readonly kind: TransformConfig['kind'];
  /** The image of [0, 1]: every output lies in this interval. */
  readonly range: readonly [number, number];
  /** True when `forward` draws random numbers (and needs an `rng`). */
  readonly stochastic: boolean;
  /** Data in [0, 1] → positive values. */
  forward(x: tf.Tensor, rng?: Rng): tf.Tensor;
  /** Positive values (e.g. samples) → data in [0, 1], clamped to the data range. */
  inverse(y: tf.Tensor): tf.Tensor;
  /** JSON form for checkpoints. */
  toJSON(): TransformConfig;
}

function finite(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new DaleError(
      'invalid-transform',
      `${name} must be a finite number, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * x ↦ x + c, the reference transform (c = 1 maps pixels to [1, 2]).
 *
 * `inverse(y) = clamp(y, c, c + 1) − c`, the reference's clamp(x, 1, 2) − 1: samples outside
 * the data range are clamped to it. inverse(forward(x)) equals x up to one float32 rounding of
 * x + c (≤ 2⁻²⁴·(c + 1)); {@link toPixelBytes} recovers 8-bit pixels exactly.
 */
export function shiftTransform(c = 1): PositivityTransform & { readonly c: number } {
  finite(c, 'shift c');
  if (!(c > 0))
    throw new DaleError(
      'invalid-transform',
      `shift c must be > 0 so that x + c > 0 on [0, 1], got ${c}`,
    );
  return {
    kind: 'shift',
    c,
    range: [c, c + 1],
    stochastic: false,
    forward: (x) => tf.tidy(() => tf.add(x, tf.scalar(c))),
    inverse: (y) => tf.tidy(() => tf.sub(tf.clipByValue(y, c, c + 1), tf.scalar(c))),
    toJSON: () => ({ kind: 'shift', c }),
  };
}

/**
 * x ↦ a + (b − a) x, onto [a, b] with 0 < a < b. `inverse(y) = clamp((y − a)/(b − a), 0, 1)`.
 */
export function affineTransform(
  a: number,
  b: number,
): PositivityTransform & { readonly a: number; readonly b: number } {
  finite(a, 'affine a');
  finite(b, 'affine b');
  if (!(a > 0 && b > a)) {
    throw new DaleError(
      'invalid-transform',
      `affine map onto [a, b] needs 0 < a < b, got a = ${a}, b = ${b}`,
    );
  }
  const width = b - a;
  return {
    kind: 'affine',
    a,
    b,
    range: [a, b],
    stochastic: false,
    forward: (x) => tf.tidy(() => tf.add(tf.mul(x, tf.scalar(width)), tf.scalar(a))),
    inverse: (y) =>
      tf.tidy(() => tf.clipByValue(tf.div(tf.sub(y, tf.scalar(a)), tf.scalar(width)), 0, 1)),
    toJSON: () => ({ kind: 'affine', a, b }),
  };
}

/** Options of {@link dequantizeTransform}. */
export interface DequantizeOptions {
  /** The map applied after dequantization; default x + 1. */
  readonly map?: PositivityTransform;
  /** Noise resolution (a power of two in [2, 2¹⁴]); default 1024. */
  readonly subLevels?: number;
}

/**
 * Uniform dequantization of 8-bit data, then a deterministic positivity map:
 * x ↦ map((k + u)/256) with k = round(255 x) and u uniform on `subLevels` equally spaced
 * points (j + ½)/subLevels in (0, 1) — a discretised uniform with negligible difference
 * (variance 1/12 − 1/(12·subLevels²)). Every value then stays at least ½/subLevels of a grey
 * level away from a cell edge, so float32 rounding cannot move it into the next cell and
 * `inverse` returns the original pixel exactly: always for a shift, and for an affine map when
 * (a + b)/(b − a) ≤ 8 (rounding error ≤ 2⁻²³·(a + b)/(b − a) grey levels ≪ ½/1024).
 *
 * `inverse(y) = floor(256 · map.inverse(y)) / 255`, clamped to the 256 grey levels: the grey
 * level whose dequantization cell contains y.
 */
export function dequantizeTransform(
  options: DequantizeOptions = {},
): PositivityTransform & { readonly map: PositivityTransform } {
  const map = options.map ?? shiftTransform(1);
  if (map.kind === 'dequantize')
    throw new DaleError('invalid-transform', 'dequantizeTransform: `map` cannot itself dequantize');
  const subLevels = options.subLevels ?? 1024;
  if (
    !(
      Number.isInteger(subLevels) &&
      subLevels >= 2 &&
      subLevels <= 2 ** 14 &&
      (subLevels & (subLevels - 1)) === 0
    )
  ) {
    throw new DaleError(
      'invalid-transform',
      `dequantize subLevels must be a power of two in [2, 16384], got ${subLevels}`,
    );
  }
  const bits = Math.log2(subLevels);
  const [low, high] = map.range;
  return {
    kind: 'dequantize',
    map,
    range: [low, high],
    stochastic: true,
    forward: (x, rng) => {
      if (!rng)
        throw new DaleError(
          'invalid-transform',
          'dequantizeTransform.forward needs an rng for the uniform noise',
        );
      const u = new Float32Array(x.size);
      for (let i = 0; i < u.length; i++)
        u[i] = ((rng.nextUint32() >>> (32 - bits)) + 0.5) / subLevels;
      return tf.tidy(() => {
        const k = tf.round(tf.mul(tf.clipByValue(x, 0, 1), tf.scalar(255)));
        const v = tf.div(tf.add(k, tf.tensor(u, x.shape, 'float32')), tf.scalar(256));
        return map.forward(v);
      });
    },
    inverse: (y) =>
      tf.tidy(() => {
        const k = tf.clipByValue(tf.floor(tf.mul(map.inverse(y), tf.scalar(256))), 0, 255);
        return tf.div(k, tf.scalar(255));
      }),
    toJSON: () => ({
      kind: 'dequantize',
      levels: 256,
      subLevels,
      map: map.toJSON() as ShiftConfig | AffineConfig,
    }),
  };
}

/**
 * Rebuild a transform from its JSON form ({@link PositivityTransform.toJSON}), e.g. from a
 * checkpoint's config.
 * @throws {DaleError} `'invalid-transform'` for an unknown kind or invalid parameters.
 */
export function transformFromConfig(
  config: TransformConfig | { readonly kind: string; readonly [key: string]: unknown },
): PositivityTransform {
  const kind = (config as { kind?: unknown } | null)?.kind;
  switch (kind) {
    case 'shift':
      return shiftTransform(finite((config as ShiftConfig).c, 'shift c'));
    case 'affine':
      return affineTransform((config as AffineConfig).a, (config as AffineConfig).b);
    case 'dequantize': {
      const d = config as DequantizeConfig;
      if (d.levels !== 256)
        throw new DaleError(
          'invalid-transform',
          `dequantize levels must be 256, got ${String(d.levels)}`,
        );
      const map = transformFromConfig(d.map);
      return dequantizeTransform({ map, subLevels: d.subLevels });
    }
    default:
      throw new DaleError(
        'invalid-transform',
        `unknown positivity transform kind ${JSON.stringify(kind)} (expected 'shift', 'affine' or 'dequantize')`,
      );
  }
}

/**
 * Option checks shared by the samplers: each throws a `DaleError` naming the sampler, the field,
 * what was expected and what was got.
 * @module
 */
import { DaleError } from '@dale/core';

const CODE = 'invalid-sampler-options';

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** A finite number > 0. */
export function requirePositive(where: string, name: string, value: unknown): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new DaleError(CODE, `${where}: ${name} must be a finite number > 0, got ${show(value)}`);
  }
  return value;
}

/** An integer ≥ `min`. */
export function requireInteger(where: string, name: string, value: unknown, min: number): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min)) {
    throw new DaleError(CODE, `${where}: ${name} must be an integer >= ${min}, got ${show(value)}`);
  }
  return value;
}

/** A finite number ≥ 0. */
export function requireNonNegative(where: string, name: string, value: unknown): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw new DaleError(CODE, `${where}: ${name} must be a finite number >= 0, got ${show(value)}`);
  }
  return value;
}

/** One of the allowed strings. */
export function requireOneOf<T extends string>(
  where: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value as T)) {
    throw new DaleError(
      CODE,
      `${where}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(value)}`,
    );
  }
  return value as T;
}

/**
 * Validation of model configs: each check throws a `DaleError` with code `'invalid-model-config'`
 * naming the field, what was expected and what was got.
 * @module
 */
import { DaleError } from '@dale/core';

/** A value as it appears in a message: numbers as JavaScript prints them (NaN, Infinity), the rest as JSON. */
function show(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
}

function fail(what: string, field: string, expected: string, got: unknown): never {
  throw new DaleError(
    'invalid-model-config',
    `${what}: ${field} must be ${expected}, got ${show(got)}`,
  );
}

/** Require a plain object, and no keys outside `known` (catches misspelt fields). */
export function requireKnownKeys(
  what: string,
  config: unknown,
  known: readonly string[],
): asserts config is Record<string, unknown> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    fail(what, 'the config', 'an object', config);
  }
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) {
      throw new DaleError(
        'invalid-model-config',
        `${what}: unknown field ${JSON.stringify(key)}; known fields: ${known.join(', ')}`,
      );
    }
  }
}

/** Require an integer ≥ `min`. */
export function requireInteger(what: string, field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(what, field, `an integer ≥ ${min}`, value);
  }
  return value;
}

/** Require a finite number, optionally > `exclusiveMin`. */
export function requireNumber(
  what: string,
  field: string,
  value: unknown,
  exclusiveMin = Number.NEGATIVE_INFINITY,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > exclusiveMin)) {
    fail(
      what,
      field,
      exclusiveMin === Number.NEGATIVE_INFINITY
        ? 'a finite number'
        : `a finite number > ${exclusiveMin}`,
      value,
    );
  }
  return value;
}

/** Require one of the listed string values. */
export function requireOneOf<T extends string>(
  what: string,
  field: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value as T)) {
    fail(what, field, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

/** Require a non-empty array of integers ≥ `min`, naming the bad element (`hidden[1]`). */
export function requireIntegerList(
  what: string,
  field: string,
  value: unknown,
  min: number,
): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail(what, field, 'a non-empty array of integers', value);
  }
  return value.map((v, i) => requireInteger(what, `${field}[${i}]`, v, min));
}

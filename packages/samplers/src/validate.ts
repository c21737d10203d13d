/**
 * Option checks shared by the samplers, and the one place a sampler's name goes into their
 * messages: a check throws a `DaleError` that names the field, what was expected and what was
 * got, and the entry point that ran it (a sampler, `runChain`, a building block given a name)
 * puts its name in front, once ({@link named}). Nothing in between passes the name along.
 * @module
 */
import { DaleError } from '@dale/core';

const CODE = 'invalid-sampler-options';

/** The errors whose message does not yet start with the name of the entry point that threw them. */
const unnamed = new WeakSet<DaleError>();

/** A `DaleError` (code `'invalid-sampler-options'` unless given) that {@link named} will prefix with the entry point's name. */
export function samplerError(message: string, code = CODE): DaleError {
  const error = new DaleError(code, message);
  unnamed.add(error);
  return error;
}

function rename(name: string, error: unknown): never {
  if (error instanceof DaleError && unnamed.has(error)) {
    throw new DaleError(error.code, `${name}: ${error.message}`);
  }
  throw error;
}

/**
 * Run `body` as the entry point `name`: a {@link samplerError} it throws (or rejects with)
 * gets `name: ` in front of its message; other errors, and errors already named by an inner
 * entry point, pass unchanged. Without a name, `body` runs as it is.
 */
export function named<T>(name: string | undefined, body: () => T): T {
  if (name === undefined) return body();
  let result: T;
  try {
    result = body();
  } catch (error) {
    return rename(name, error);
  }
  if (result instanceof Promise) return result.catch((error: unknown) => rename(name, error)) as T;
  return result;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** A finite number > 0. */
export function requirePositive(field: string, value: unknown): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw samplerError(`${field} must be a finite number > 0, got ${show(value)}`);
  }
  return value;
}

/** An integer ≥ `min`. */
export function requireInteger(field: string, value: unknown, min: number): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min)) {
    throw samplerError(`${field} must be an integer >= ${min}, got ${show(value)}`);
  }
  return value;
}

/** A finite number ≥ 0. */
export function requireNonNegative(field: string, value: unknown): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw samplerError(`${field} must be a finite number >= 0, got ${show(value)}`);
  }
  return value;
}

/** One of the allowed strings. */
export function requireOneOf<T extends string>(
  field: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value as T)) {
    throw samplerError(
      `${field} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(value)}`,
    );
  }
  return value as T;
}

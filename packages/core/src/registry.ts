/**
 * One registry convention for everything dale looks up by name: backends, SDE families, model
 * kinds and samplers.
 * @module
 */
import { DaleError } from './errors.ts';

/** Options of {@link Registry.register}. */
export interface RegisterOptions {
  /** Replace a different entry registered under the same name instead of throwing; default false. */
  readonly replace?: boolean;
}

/**
 * Entries by name, with one rule for duplicates everywhere: registering a name that is taken by
 * a different entry throws unless `{ replace: true }` is passed; registering the same entry again
 * is a no-op. Every registration returns the function that undoes it (it removes the entry only
 * while it is still the one registered under that name, and restores none).
 */
export interface Registry<V> {
  /** Register `value` under `name`; returns the function that unregisters it. */
  register(name: string, value: V, options?: RegisterOptions): () => void;
  /** The entry registered under `name`, if any. */
  get(name: string): V | undefined;
  /** Whether `name` is registered. */
  has(name: string): boolean;
  /** The registered names, in registration order. */
  names(): string[];
  /** The registered entries, in registration order. */
  values(): V[];
}

/** Options of {@link createRegistry}. */
export interface RegistryOptions<V> {
  /** What the entries are, for error messages: `'sampler'`, `'SDE family'`, … */
  readonly what: string;
  /** The `DaleError` code of a bad name or value; default `'invalid-registration'`. */
  readonly invalidCode?: string;
  /** The `DaleError` code of a taken name; default `'duplicate-registration'`. */
  readonly duplicateCode?: string;
  /** Names must match this pattern; default: any non-empty string. */
  readonly namePattern?: RegExp;
  /** A description of valid names for the error message, e.g. "lower-case letters, digits and hyphens". */
  readonly nameRule?: string;
  /** Further checks of a name and value; return an error message, or undefined when they are fine. */
  readonly check?: (name: string, value: V) => string | undefined;
}

/**
 * A {@link Registry} with the convention above, the names checked against
 * `options.namePattern` and `options.check`.
 *
 * @example
 * ```ts
 * const samplers = createRegistry<Sampler>({ what: 'sampler', namePattern: /^[a-z0-9][a-z0-9-]*$/ });
 * const unregister = samplers.register('mine', mySampler);
 * samplers.register('mine', other); // throws: taken (pass { replace: true })
 * unregister();
 * ```
 */
export function createRegistry<V>(options: RegistryOptions<V>): Registry<V> {
  const {
    what,
    invalidCode = 'invalid-registration',
    duplicateCode = 'duplicate-registration',
    namePattern,
    nameRule,
    check,
  } = options;
  const entries = new Map<string, V>();
  return {
    register(name, value, { replace = false } = {}) {
      const validName =
        typeof name === 'string' && name.length > 0 && (!namePattern || namePattern.test(name));
      if (!validName) {
        throw new DaleError(
          invalidCode,
          `a ${what} needs a ${nameRule ? `name of ${nameRule}` : 'non-empty name'}, got ${JSON.stringify(name)}`,
        );
      }
      const problem = check?.(name, value);
      if (problem !== undefined) throw new DaleError(invalidCode, `${what} '${name}': ${problem}`);
      const current = entries.get(name);
      if (current !== undefined && current !== value && !replace) {
        throw new DaleError(
          duplicateCode,
          `a ${what} named '${name}' is already registered; pass { replace: true } to replace it, or unregister it first`,
        );
      }
      entries.set(name, value);
      return () => {
        if (entries.get(name) === value) entries.delete(name);
      };
    },
    get: (name) => entries.get(name),
    has: (name) => entries.has(name),
    names: () => [...entries.keys()],
    values: () => [...entries.values()],
  };
}

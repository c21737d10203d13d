/**
 * Clear errors for the two ways an installation of TensorFlow.js goes wrong: a peer dependency
 * that is not installed, and two copies of `@tensorflow/tfjs-core` loaded side by side.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { DaleError } from './errors.ts';

/** What {@link importPeer} needs to say, when the package is missing, what it was for. */
export interface PeerOptions {
  /** The version range to install, e.g. `'^4.22.0'` (default: the latest). */
  readonly range?: string;
  /** What needs it, e.g. `"useBackend('webgpu')"`. */
  readonly neededBy: string;
}

/** True when `error` says that module `specifier` (or one of its files) could not be found. */
export function isMissingModule(error: unknown, specifier: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  const notFound =
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    /failed to (fetch|resolve)|cannot find (module|package)/i.test(error.message);
  return notFound && error.message.includes(specifier);
}

/** The one-line command that installs `name` (at `range` when given). */
export function installCommand(name: string, range?: string): string {
  return `npm install ${range ? `${name}@${range}` : name}`;
}

/**
 * Load an optional peer dependency through `load` (a literal `() => import('name')`, so that
 * bundlers see it). When it is not installed, throws a {@link DaleError} with code
 * `'missing-peer'` that names the package, what needs it and the command that installs it.
 *
 * @example
 * ```ts
 * const converter = await importPeer('@tensorflow/tfjs-converter', () => import('@tensorflow/tfjs-converter'), {
 *   range: '^4.22.0',
 *   neededBy: 'loadInceptionV3',
 * });
 * ```
 */
export async function importPeer<T>(
  name: string,
  load: () => Promise<T>,
  options: PeerOptions,
): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    if (!isMissingModule(cause, name)) throw cause;
    throw new DaleError(
      'missing-peer',
      `${options.neededBy} needs the package ${name}, which is not installed. Install it beside dale: ${installCommand(name, options.range)}`,
      { cause },
    );
  }
}

/** One loaded copy of `@tensorflow/tfjs-core`: its version and where it was loaded from. */
export interface TfjsCoreCopy {
  readonly version: string;
  readonly path: string;
}

/**
 * The copies of `@tensorflow/tfjs-core` loaded in this Node process (its Node build is a CommonJS
 * module, so each copy is in the module cache, however it was imported). Empty outside Node.
 */
export function loadedTfjsCoreCopies(): TfjsCoreCopy[] {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process?.getBuiltinModule;
  if (typeof getBuiltin !== 'function') return [];
  const { createRequire } = getBuiltin('node:module') as typeof import('node:module');
  const { join } = getBuiltin('node:path') as typeof import('node:path');
  const require = createRequire(join(process.cwd(), 'index.js'));
  const copies: TfjsCoreCopy[] = [];
  for (const file of Object.keys(require.cache)) {
    const match = /^(.*[\\/]@tensorflow[\\/]tfjs-core)[\\/]dist[\\/]tf-core\.node\.js$/.exec(file);
    if (!match) continue;
    const dir = match[1]!;
    let version = 'unknown version';
    try {
      version = (require(join(dir, 'package.json')) as { version: string }).version;
    } catch {}
    copies.push({ version, path: dir });
  }
  return copies;
}

/**
 * Throws a {@link DaleError} with code `'tfjs-core-copies'` when more than one copy of
 * `@tensorflow/tfjs-core` is loaded: tensors, kernels and gradients of one copy are then invisible
 * to the other. The message lists each copy's version and directory and how to find and remove
 * the extra one. {@link useBackend} calls it.
 */
export function assertSingleTfjsCore(): void {
  const copies = loadedTfjsCoreCopies();
  if (copies.length <= 1) return;
  throw new DaleError(
    'tfjs-core-copies',
    [
      `${copies.length} copies of @tensorflow/tfjs-core are loaded; dale (built against ${tf.version_core}) needs exactly one:`,
      ...copies.map((c) => `  ${c.version} from ${c.path}`),
      'Run `npm ls @tensorflow/tfjs-core` to see which packages bring them, then install one version for all',
      '(npm install @tensorflow/tfjs-core@<version>, or "overrides" in package.json) and remove the others.',
    ].join('\n'),
  );
}

/**
 * Checkpoints from a URL or from bytes, straight into a {@link Generator}.
 * @module
 */
import { DaleError } from '@dale/core';
import {
  type CheckpointBytes,
  checkpointFromBytes,
  disposeParams,
  type LoadedCheckpoint,
} from '@dale/models';
import { type Generator, type GeneratorOptions, generatorFromCheckpoint } from './generator.ts';

/** Options of {@link fetchCheckpoint} and {@link loadGenerator}. */
export interface FetchOptions {
  /** The `fetch` to use; default `globalThis.fetch` (browsers, Node ≥ 18). */
  readonly fetch?: (url: string) => Promise<Response>;
}

/** `url` with a trailing slash, so that file names resolve inside it. */
function directory(url: string | URL): string {
  const text = String(url);
  return text.endsWith('/') ? text : `${text}/`;
}

async function fetchOk(
  fetcher: NonNullable<FetchOptions['fetch']>,
  url: string,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetcher(url);
  } catch (error) {
    throw new DaleError('checkpoint-fetch-failed', `fetchCheckpoint: could not fetch ${url}`, {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new DaleError(
      'checkpoint-fetch-failed',
      `fetchCheckpoint: ${url} answered ${response.status} ${response.statusText}`.trim(),
    );
  }
  return response;
}

/**
 * Fetch a checkpoint directory served over HTTP (its `config.json` and `model.safetensors`, as
 * `saveCheckpoint` of `@dale/models/node` writes them; not the optimizer state) and load it with
 * `checkpointFromBytes`, which checks the sizes and SHA-256 sums `config.json` records.
 *
 * @example
 * ```ts
 * const checkpoint = await fetchCheckpoint(new URL('./models/mnist/', location.href));
 * ```
 */
export async function fetchCheckpoint(
  url: string | URL,
  options: FetchOptions = {},
): Promise<LoadedCheckpoint> {
  const fetcher = options.fetch ?? ((u: string) => globalThis.fetch(u));
  const base = directory(url);
  const [config, model] = await Promise.all([
    fetchOk(fetcher, `${base}config.json`).then((r) => r.text()),
    fetchOk(fetcher, `${base}model.safetensors`).then(
      async (r) => new Uint8Array(await r.arrayBuffer()),
    ),
  ]);
  return checkpointFromBytes({ config, model }, { source: base.slice(0, -1) });
}

/** Where {@link loadGenerator} takes a checkpoint from. */
export type CheckpointSource = string | URL | CheckpointBytes | LoadedCheckpoint;

function isLoaded(source: CheckpointSource): source is LoadedCheckpoint {
  return typeof source === 'object' && 'model' in source && !(source.model instanceof Uint8Array);
}

/**
 * A {@link Generator} from a checkpoint URL ({@link fetchCheckpoint}), its files as bytes
 * (`checkpointFromBytes`: e.g. `fetchPretrainedModel('mnist')` of `@dale/pretrained`) or a loaded
 * checkpoint. The generator owns what it loaded: its `dispose` frees the weights. (In Node, load
 * a directory with `loadCheckpoint` of `@dale/models/node` and pass the result.)
 *
 * @example
 * ```ts
 * const generator = await loadGenerator(await fetchPretrainedModel('mnist'), { source: 'mnist' });
 * ```
 */
export async function loadGenerator(
  source: CheckpointSource,
  options: GeneratorOptions & FetchOptions = {},
): Promise<Generator> {
  let checkpoint: LoadedCheckpoint;
  let label = options.source;
  if (typeof source === 'string' || source instanceof URL) {
    checkpoint = await fetchCheckpoint(source, options);
    label ??= String(source);
  } else if (isLoaded(source)) {
    checkpoint = source;
  } else {
    checkpoint = await checkpointFromBytes(source, label === undefined ? {} : { source: label });
  }
  try {
    return generatorFromCheckpoint(checkpoint, { ...options, ...(label && { source: label }) });
  } catch (error) {
    if (checkpoint !== source) {
      disposeParams(checkpoint.model.params);
      if (checkpoint.ema) disposeParams(checkpoint.ema);
    }
    throw error;
  }
}

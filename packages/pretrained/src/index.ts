/**
 * Pretrained dale score models, shipped as checkpoint directories inside this package (no
 * download, so they work offline). This is the Node entry; bundlers take the `browser` one
 * (`pretrainedModelFiles`, `fetchPretrainedModel`, without {@link pretrainedModelDir}). In Node,
 * {@link fetchPretrainedModel} reads the package's own files, whose URLs are `file:` URLs, which
 * Node's `fetch` does not read. Each has a model card (`models/<name>/MODEL_CARD.md`) with the
 * training command, steps, wall time, hardware and evaluation figures.
 *
 * @example
 * ```ts
 * import { loadCheckpoint } from '@dale/models/node';
 * import { pretrainedModelDir } from '@dale/pretrained';
 * const { model, ema, meta } = await loadCheckpoint(pretrainedModelDir('mnist'));
 * ```
 * @module
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  fetchPretrainedModel as fetchWith,
  type PretrainedModelBytes,
  pretrainedModelName,
} from './files.ts';

export {
  isPretrainedModelName,
  PRETRAINED_MODEL_ALIASES,
  PRETRAINED_MODEL_SUMMARIES,
  PRETRAINED_MODELS,
  type PretrainedModelBytes,
  type PretrainedModelFiles,
  type PretrainedModelName,
  pretrainedModelFiles,
  resolvePretrainedModelName,
} from './files.ts';

/**
 * The absolute path of a pretrained model's checkpoint directory (`config.json`,
 * `model.safetensors` with the trained and EMA weights, and `MODEL_CARD.md`), for
 * `loadCheckpoint` of `@dale/models/node` or `dale sample --checkpoint`. A deprecated alias
 * (`PRETRAINED_MODEL_ALIASES`) gives the directory of the model it stands for.
 * @throws DaleError `unknown-pretrained-model` for a name that is neither in `PRETRAINED_MODELS`
 * nor an alias.
 */
export function pretrainedModelDir(name: string): string {
  // src/ and dist/ both sit one level below the package root, next to models/.
  return fileURLToPath(new URL(`../models/${pretrainedModelName(name)}`, import.meta.url));
}

/**
 * `fetch` that also reads `file:` URLs (from disk; a missing file answers 404), which is where a
 * pretrained model's files are in Node. Other URLs go to the global `fetch`.
 */
const fetchOrRead: typeof fetch = async (input, init) => {
  const href = input instanceof URL ? input.href : typeof input === 'string' ? input : input.url;
  if (!href.startsWith('file:')) return fetch(input, init);
  try {
    return new Response(await readFile(new URL(href)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return new Response(null, { status: 404, statusText: 'Not Found' });
  }
};

/**
 * Fetch a pretrained model's `config.json` and `model.safetensors`, for `checkpointFromBytes` of
 * `@dale/models` or `loadGenerator` of `@dale/generate`: the browser entry's function, which in
 * Node also reads the package's own files (their URLs are `file:` URLs, which Node's `fetch` does
 * not read). `fetchImpl` replaces how each URL is fetched.
 * @throws DaleError `unknown-pretrained-model` for an unknown name; `model-unavailable` when a
 * file cannot be fetched.
 *
 * @example
 * ```ts
 * import { loadGenerator } from '@dale/generate';
 * import { fetchPretrainedModel } from '@dale/pretrained';
 * const generator = await loadGenerator(await fetchPretrainedModel('mnist'), { source: 'mnist' });
 * ```
 */
export function fetchPretrainedModel(
  name: string,
  fetchImpl: typeof fetch = fetchOrRead,
): Promise<PretrainedModelBytes> {
  return fetchWith(name, fetchImpl);
}

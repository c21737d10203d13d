/**
 * The files of each pretrained model as URLs relative to this module, written as
 * `new URL('literal', import.meta.url)` so that bundlers (Vite, webpack, esbuild with a loader)
 * emit them as assets and rewrite the URLs; in Node they are `file:` URLs.
 * @module
 */
import { DaleError } from '@dale/core';

/**
 * Names of the pretrained models that ship with this package: `mnist` (the `quick` preset, the
 * paper's GBM) and `mnist-edm` (the `edm` preset: wide horizon, preconditioned denoiser,
 * class-conditional).
 */
export const PRETRAINED_MODELS = ['mnist', 'mnist-edm'] as const;

/** A pretrained model name. */
export type PretrainedModelName = (typeof PRETRAINED_MODELS)[number];

/** Whether `name` is one of {@link PRETRAINED_MODELS}. */
export function isPretrainedModelName(name: string): name is PretrainedModelName {
  return (PRETRAINED_MODELS as readonly string[]).includes(name);
}

/** Where a pretrained model's files are. */
export interface PretrainedModelFiles {
  /** `config.json`: architecture, SDE, data transform. */
  readonly config: URL;
  /** `model.safetensors`: the trained and EMA weights. */
  readonly model: URL;
  /** `class-averages.safetensors`: the training split's average image of each class. */
  readonly classAverages: URL;
}

/**
 * The URLs of a pretrained model's files (relative to this module, so bundlers emit them).
 * @throws DaleError `unknown-pretrained-model` for a name not in {@link PRETRAINED_MODELS}.
 */
export function pretrainedModelFiles(name: string): PretrainedModelFiles {
  if (!isPretrainedModelName(name)) {
    throw new DaleError(
      'unknown-pretrained-model',
      `pretrained model: expected one of ${PRETRAINED_MODELS.join(', ')}, got '${name}'`,
    );
  }
  return MODEL_FILES[name]();
}

// One literal per file, since bundlers follow only `new URL` of a string literal. src/ and dist/
// both sit one level below the package root, next to models/.
const MODEL_FILES: Record<PretrainedModelName, () => PretrainedModelFiles> = {
  mnist: () => ({
    config: new URL('../models/mnist/config.json', import.meta.url),
    model: new URL('../models/mnist/model.safetensors', import.meta.url),
    classAverages: new URL('../models/mnist/class-averages.safetensors', import.meta.url),
  }),
  'mnist-edm': () => ({
    config: new URL('../models/mnist-edm/config.json', import.meta.url),
    model: new URL('../models/mnist-edm/model.safetensors', import.meta.url),
    classAverages: new URL('../models/mnist-edm/class-averages.safetensors', import.meta.url),
  }),
};

/** The bytes of a pretrained model's checkpoint, for `checkpointFromBytes` of `@dale/models`. */
export interface PretrainedModelBytes {
  readonly config: Uint8Array;
  readonly model: Uint8Array;
}

/**
 * Fetch a pretrained model's `config.json` and `model.safetensors` (with `fetch`, so in a browser
 * from wherever the bundler put them). Pass the result to `checkpointFromBytes` of `@dale/models`.
 *
 * @example
 * ```ts
 * import { checkpointFromBytes } from '@dale/models';
 * import { fetchPretrainedModel } from '@dale/pretrained';
 * const checkpoint = await checkpointFromBytes(await fetchPretrainedModel('mnist'), { source: 'mnist' });
 * ```
 */
export async function fetchPretrainedModel(
  name: string,
  fetchImpl: typeof fetch = fetch,
): Promise<PretrainedModelBytes> {
  const files = pretrainedModelFiles(name);
  const get = async (url: URL): Promise<Uint8Array> => {
    const response = await fetchImpl(url);
    if (!response.ok) {
      throw new DaleError(
        'model-unavailable',
        `pretrained model ${name}: ${url.href}: HTTP ${response.status} ${response.statusText}`,
      );
    }
    return new Uint8Array(await response.arrayBuffer());
  };
  const [config, model] = await Promise.all([get(files.config), get(files.model)]);
  return { config, model };
}

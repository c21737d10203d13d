/**
 * The files of each pretrained model as URLs relative to this module, written as
 * `new URL('literal', import.meta.url)` so that bundlers (Vite, webpack, esbuild with a loader)
 * emit them as assets and rewrite the URLs; in Node they are `file:` URLs.
 * @module
 */
import { DaleError } from '@dale/core';

/**
 * Names of the pretrained models that ship with this package:
 *
 * - `mnist`: the default, a class-conditional MNIST model of the `edm` preset (wide-horizon GBM,
 *   preconditioned log-space denoiser; 12 DPM-Solver++(2M) steps with guidance 1: domain FID 8.16,
 *   97.2% confident digits);
 * - `mnist-paper`: the paper's recipe (the `quick` preset under the reference GBM, an
 *   unconditional noise predictor; 100 Dale–Langevin steps: domain FID 65.6, 61.8% confident);
 * - `fashion-mnist`: a class-conditional Fashion-MNIST model of the `edm` preset (domain FID
 *   3.07, floor 0.79);
 * - `kmnist`: a class-conditional Kuzushiji-MNIST model of the `edm` preset, trained on 8,000
 *   images of KMNIST's test split and evaluated on the other 2,000 (domain FID 30.4, floor 14.1).
 *
 * Each model card has its evaluation.
 *
 * The deprecated names of {@link PRETRAINED_MODEL_ALIASES} are accepted too.
 */
export const PRETRAINED_MODELS = ['mnist', 'mnist-paper', 'fashion-mnist', 'kmnist'] as const;

/** A pretrained model name. */
export type PretrainedModelName = (typeof PRETRAINED_MODELS)[number];

/** One line on each of {@link PRETRAINED_MODELS}, for help texts and listings. */
export const PRETRAINED_MODEL_SUMMARIES: Readonly<Record<PretrainedModelName, string>> =
  Object.freeze({
    mnist:
      'class-conditional MNIST digits of the edm preset, domain FID 8.16 and 97.2% confident with 12 DPM-Solver++(2M) steps and guidance 1',
    'mnist-paper':
      "unconditional MNIST digits of the paper's recipe, domain FID 65.6 with 100 Dale–Langevin steps",
    'fashion-mnist':
      'class-conditional Fashion-MNIST clothing of the edm preset, domain FID 3.07 (floor 0.79) with 12 DPM-Solver++(2M) steps and guidance 1',
    kmnist:
      'class-conditional Kuzushiji-MNIST characters of the edm preset, domain FID 30.4 (floor 14.1) with 12 DPM-Solver++(2M) steps and guidance 1',
  });

/**
 * Deprecated names that still resolve, each to the model it now stands for: `mnist-edm` was the
 * name of `mnist` before it became the default (the old `mnist` is now `mnist-paper`).
 */
export const PRETRAINED_MODEL_ALIASES: Readonly<Record<string, PretrainedModelName>> =
  Object.freeze({ 'mnist-edm': 'mnist' });

/** Whether `name` is one of {@link PRETRAINED_MODELS} (a deprecated alias is not). */
export function isPretrainedModelName(name: string): name is PretrainedModelName {
  return (PRETRAINED_MODELS as readonly string[]).includes(name);
}

/**
 * The model a name stands for: the name itself for one of {@link PRETRAINED_MODELS}, the model a
 * deprecated alias of {@link PRETRAINED_MODEL_ALIASES} resolves to, or `undefined` for any other
 * name.
 */
export function resolvePretrainedModelName(name: string): PretrainedModelName | undefined {
  if (isPretrainedModelName(name)) return name;
  return Object.hasOwn(PRETRAINED_MODEL_ALIASES, name) ? PRETRAINED_MODEL_ALIASES[name] : undefined;
}

/**
 * {@link resolvePretrainedModelName}, for the functions that take a name.
 * @throws DaleError `unknown-pretrained-model` for a name that is neither a model nor an alias.
 * @internal
 */
export function pretrainedModelName(name: string): PretrainedModelName {
  const resolved = resolvePretrainedModelName(name);
  if (resolved === undefined) {
    throw new DaleError(
      'unknown-pretrained-model',
      `pretrained model: expected one of ${PRETRAINED_MODELS.join(', ')}, got '${name}'`,
    );
  }
  return resolved;
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
 * The URLs of a pretrained model's files (relative to this module, so bundlers emit them); a
 * deprecated alias gives the files of the model it stands for.
 * @throws DaleError `unknown-pretrained-model` for a name that is neither in {@link PRETRAINED_MODELS}
 * nor an alias.
 */
export function pretrainedModelFiles(name: string): PretrainedModelFiles {
  return MODEL_FILES[pretrainedModelName(name)]();
}

// One literal per file, since bundlers follow only `new URL` of a string literal. src/ and dist/
// both sit one level below the package root, next to models/.
const MODEL_FILES: Record<PretrainedModelName, () => PretrainedModelFiles> = {
  mnist: () => ({
    config: new URL('../models/mnist/config.json', import.meta.url),
    model: new URL('../models/mnist/model.safetensors', import.meta.url),
    classAverages: new URL('../models/mnist/class-averages.safetensors', import.meta.url),
  }),
  'mnist-paper': () => ({
    config: new URL('../models/mnist-paper/config.json', import.meta.url),
    model: new URL('../models/mnist-paper/model.safetensors', import.meta.url),
    classAverages: new URL('../models/mnist-paper/class-averages.safetensors', import.meta.url),
  }),
  'fashion-mnist': () => ({
    config: new URL('../models/fashion-mnist/config.json', import.meta.url),
    model: new URL('../models/fashion-mnist/model.safetensors', import.meta.url),
    classAverages: new URL('../models/fashion-mnist/class-averages.safetensors', import.meta.url),
  }),
  kmnist: () => ({
    config: new URL('../models/kmnist/config.json', import.meta.url),
    model: new URL('../models/kmnist/model.safetensors', import.meta.url),
    classAverages: new URL('../models/kmnist/class-averages.safetensors', import.meta.url),
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

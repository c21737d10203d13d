/**
 * Pretrained dale score models, shipped as checkpoint directories inside this package (no
 * download, so they work offline). This is the Node entry; bundlers take the `browser` one
 * (`pretrainedModelFiles`, `fetchPretrainedModel`, without {@link pretrainedModelDir}). Each has a model card (`models/<name>/MODEL_CARD.md`) with the
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
import { fileURLToPath } from 'node:url';
import { pretrainedModelName } from './files.ts';

export {
  fetchPretrainedModel,
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

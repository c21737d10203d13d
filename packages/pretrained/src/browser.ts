/**
 * `@dale/pretrained` for browsers and bundlers (the `browser` export condition): the model files as
 * URLs that the bundler emits, and {@link fetchPretrainedModel} to load them. No Node module.
 *
 * @example
 * ```ts
 * import { checkpointFromBytes } from '@dale/models';
 * import { fetchPretrainedModel } from '@dale/pretrained';
 * const checkpoint = await checkpointFromBytes(await fetchPretrainedModel('mnist'), { source: 'mnist' });
 * ```
 * @module
 */
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

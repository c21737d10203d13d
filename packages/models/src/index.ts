/**
 * `@dale/models`: score networks as a JSON config + a parameter tree of `tf.Variable`s + a pure
 * `apply(params, x, t)`; the adapter from what a network predicts (Hyvärinen score, Stein score
 * or noise) to the score an SDE needs; reusable layers; an EMA of the weights.
 * @packageDocumentation
 */
export { createEma, type Ema, type EmaOptions } from './ema.ts';
export { ACTIVATIONS, type Activation, activate, silu } from './layers/activation.ts';
export { type DenseInitOptions, type DenseParams, dense, initDense } from './layers/dense.ts';
export { type Fans, type Initializer, initVariable, uniformLimit } from './layers/init.ts';
export {
  initMlpBlock,
  type MlpBlockOptions,
  type MlpBlockParams,
  mlpBlock,
} from './layers/mlp-block.ts';
export {
  batchTimes,
  DEFAULT_MAX_PERIOD,
  DEFAULT_TIME_SCALE,
  sinusoidalEmbedding,
  type TimeEmbeddingOptions,
} from './layers/time-embedding.ts';
export {
  createMlp,
  INPUT_TRANSFORMS,
  type InputTransform,
  MLP_DEFAULTS,
  type MlpConfig,
  type MlpModel,
  type MlpOptions,
  type MlpParams,
  mlpFromConfig,
  validateMlpConfig,
} from './mlp.ts';
export {
  type Model,
  type ModelConfig,
  PARAMETERISATIONS,
  type Parameterisation,
} from './model.ts';
export {
  assignParams,
  cloneParams,
  disposeParams,
  flattenParams,
  mapParams,
  type ParamTree,
  pairParams,
  parameterCount,
  type TensorNode,
  type TensorsOf,
  type TensorTree,
} from './params.ts';
export {
  listModelKinds,
  type ModelFactory,
  modelFromConfig,
  registerModelKind,
} from './registry.ts';
export { type ScoreFnOptions, scoreFnFromModel } from './score.ts';

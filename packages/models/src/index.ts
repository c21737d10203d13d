/**
 * `@dale/models`: score networks as a JSON config + a parameter tree of `tf.Variable`s + a pure
 * `apply(params, x, t)`; the adapter from what a network predicts (Hyvärinen score, Stein score
 * or noise) to the score an SDE needs; reusable layers; an EMA of the weights; checkpoints
 * encoded to and decoded from bytes. Nothing here imports Node modules, so it runs in browsers;
 * checkpoint directories on a file system (`saveCheckpoint`, `loadCheckpoint`) are in
 * `@dale/models/node`.
 * @packageDocumentation
 */

export {
  CHECKPOINT_FILES,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type CheckpointBytes,
  type CheckpointFromBytesOptions,
  type CheckpointMeta,
  checkpointFromBytes,
  EMA_PREFIX,
  encodeCheckpoint,
  type JsonObject,
  type JsonValue,
  type LoadedCheckpoint,
  type OptimizerState,
  type SaveCheckpointOptions,
} from './checkpoint/checkpoint.ts';
export {
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  SAFETENSORS_DTYPES,
  type SafetensorsContents,
  type SafetensorsDtype,
  type SafetensorsTensor,
} from './checkpoint/safetensors.ts';
export { createEma, type Ema, type EmaOptions } from './ema.ts';
export { ACTIVATIONS, type Activation, activate, silu } from './layers/activation.ts';
export {
  type AttentionBlockParams,
  attentionBlock,
  initAttentionBlock,
  initSelfAttention,
  type SelfAttentionParams,
  selfAttention,
} from './layers/attention.ts';
export {
  type Conv2dInitOptions,
  type Conv2dOptions,
  type Conv2dParams,
  conv2d,
  initConv2d,
} from './layers/conv2d.ts';
export { type DenseInitOptions, type DenseParams, dense, initDense } from './layers/dense.ts';
export { dropout } from './layers/dropout.ts';
export {
  type GroupNormOptions,
  type GroupNormParams,
  groupNorm,
  initGroupNorm,
} from './layers/group-norm.ts';
export { type Fans, type Initializer, initVariable, uniformLimit } from './layers/init.ts';
export {
  initMlpBlock,
  type MlpBlockOptions,
  type MlpBlockParams,
  mlpBlock,
} from './layers/mlp-block.ts';
export {
  initResBlock,
  type ResBlockOptions,
  type ResBlockParams,
  resBlock,
} from './layers/res-block.ts';
export { downsample, initResample, upsample, upsampleNearest } from './layers/resample.ts';
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
  type ApplyOptions,
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
  checkPreconditioning,
  denoiserLossWeight,
  type Preconditioning,
  type PreconditioningCoefficients,
  preconditioningAt,
} from './preconditioning.ts';
export {
  listModelKinds,
  type ModelFactory,
  modelFromConfig,
  registerModelKind,
} from './registry.ts';
export { type ScoreFnOptions, scoreFnFromModel } from './score.ts';
export {
  createUnet,
  UNET_DEFAULTS,
  UNET_PRESETS,
  UNET_SMALL,
  type UnetApplyOptions,
  type UnetConfig,
  type UnetLevelParams,
  type UnetModel,
  type UnetOptions,
  type UnetParams,
  unetFromConfig,
  validateUnetConfig,
} from './unet.ts';

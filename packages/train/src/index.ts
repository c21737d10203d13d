/**
 * `@dale/train`: the training loop of dale — any loss of `@dale/losses` (M-DSM by default), Adam
 * with warm-up and global-norm clipping, an EMA of the weights, atomic checkpoints with exact
 * resume, a NaN/Inf guard, a JSONL metrics log, a loss-curve PNG and periodic sample grids.
 * @packageDocumentation
 */
export {
  type AccumulatedGradients,
  accumulatedGradients,
  type BatchLoss,
  type BatchRange,
} from './accumulate.ts';
export { Adam, type AdamOptions } from './adam.ts';
export { clipByGlobalNorm, globalNorm } from './clip.ts';
export { arrayData, type TrainingData } from './data.ts';
export { DataOrder, stepRng } from './data-order.ts';
export {
  type LossCurveImage,
  type LossCurveOptions,
  type LossPoint,
  type PlotArea,
  renderLossCurve,
} from './loss-curve.ts';
export { MetricsLog, type StepMetrics } from './metrics-log.ts';
export { checkpointStep, type RunRecovery, recoverRunDirectory } from './run-directory.ts';
export {
  type ConditioningOptions,
  learningRateAt,
  type TrainingLoss,
  type TrainOptions,
  type TrainResult,
  train,
} from './trainer.ts';

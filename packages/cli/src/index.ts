/**
 * `@dale/cli`: the `dale` command (`info`, `train`, `sample`, `eval`) as functions that take parsed
 * options and an {@link Output}, so programs and tests can run them in-process.
 *
 * @example
 * ```ts
 * import { bufferOutput, main } from '@dale/cli';
 * const output = bufferOutput();
 * const code = await main(['info', '--json'], { output }); // 0
 * console.log(JSON.parse(output.out).auto.name); // e.g. 'wasm'
 * ```
 * @packageDocumentation
 */
export { backendChoices, selectBackend } from './backend.ts';
export {
  CLASS_AVERAGES_FILE,
  type ClassAverages,
  classAverageImages,
  encodeClassAverages,
  loadClassAverages,
  START_CHOICES,
  type StartChoice,
} from './class-average-start.ts';
export {
  EVAL_COMMAND,
  type EvalReport,
  formatEvalReport,
  parseMetrics,
  runEval,
} from './commands/eval.ts';
export {
  collectInfo,
  DALE_PACKAGES,
  formatInfo,
  INFO_COMMAND,
  type InfoReport,
  runInfo,
} from './commands/info.ts';
export { runSample, SAMPLE_COMMAND, STRIP_COLUMNS, STRIP_SAMPLES } from './commands/sample.ts';
export { type RunContext, runTrain, TRAIN_COMMAND } from './commands/train.ts';
export {
  CONFIG_FIELDS,
  loadTrainConfig,
  type ModelOverrides,
  type TrainConfig,
  type TrainSettings,
  validateTrainConfig,
} from './config.ts';
export {
  DATASET_NAMES,
  type DatasetName,
  datasetPrior,
  type FolderOptions,
  isDatasetName,
  loadTrainingSet,
  MAX_TRAINING_SIDE,
} from './dataset.ts';
export {
  EXIT_CODES,
  InterruptedError,
  stopName,
  stoppedExitCode,
  UsageError,
} from './errors.ts';
export {
  type ClassifierFigures,
  CONFIDENCE_THRESHOLD,
  type EvalFigures,
  type EvalResult,
  type EvaluateOptions,
  evaluateSamples,
  type ImageClassifier,
  KID_SUBSET_SIZE,
  KID_SUBSETS,
  type KidFigures,
  METRIC_NAMES,
  type MetricName,
  type NeighbourFigures,
  NN_K,
  NN_SAMPLES,
  PR_K,
  type PrecisionRecallFigures,
  type SampleSource,
} from './evaluate.ts';
export {
  type CheckpointGenerator,
  type Generated,
  type GenerateOptions,
  isEvenlySpacedStep,
  type LoadGeneratorOptions,
  loadGenerator,
  type SnapshotOptions,
  type Snapshots,
} from './generate.ts';
export {
  BACKEND_OPTION,
  CHECKPOINT_OPTIONS,
  type CheckpointChoice,
  DEFAULT_SAMPLER_STEPS,
  resolveCheckpoint,
  resolveSampler,
  SAMPLER_ALIASES,
  SAMPLER_OPTIONS,
  type SamplerCheckpointInfo,
  samplerSettings,
  WEIGHT_CHOICES,
  type WeightChoice,
} from './generation-options.ts';
export { COMMANDS, type Command, formatMainHelp, type MainOptions, main } from './main.ts';
export { nearestTrainingImages } from './neighbours.ts';
export {
  type CommandSpec,
  choiceOption,
  closest,
  EXIT_CODES_HELP,
  formatHelp,
  integerOption,
  type OptionSpec,
  type OptionValues,
  parseCommand,
  requiredOption,
  stringOption,
} from './options.ts';
export { bufferOutput, type Output, processOutput } from './output.ts';
export { buildModel, PRESET_NAMES, type PresetName, presetSettings } from './presets.ts';
export {
  formatDuration,
  Progress,
  type ProgressOptions,
  type SamplerProgress,
  samplerProgress,
} from './progress.ts';
export {
  type ReferenceFeatures,
  type ReferenceFeaturesOptions,
  referenceCacheDir,
  referenceFeatures,
  referenceImages,
  trainingImages,
} from './reference.ts';
export { stripImage } from './strip.ts';
export { cliVersion, packageVersion } from './version.ts';

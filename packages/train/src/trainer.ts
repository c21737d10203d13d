import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaleError, type Rng } from '@dale/core';
import { encodePng, imageGrid, type PositivityTransform } from '@dale/data';
import { type LossWeighting, mdsmLoss } from '@dale/losses';
import {
  assignParams,
  createEma,
  type Ema,
  flattenParams,
  type JsonValue,
  type Model,
  type ParamTree,
  scoreFnFromModel,
} from '@dale/models';
import { loadCheckpoint, saveCheckpoint } from '@dale/models/node';
import type { ScoreFn, SDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { accumulatedGradients, type BatchRange } from './accumulate.ts';
import { Adam } from './adam.ts';
import { clipByGlobalNorm, globalNorm } from './clip.ts';
import type { TrainingData } from './data.ts';
import { DataOrder, stepRng } from './data-order.ts';
import { checkTrainingDataRange } from './data-range.ts';
import { type LossPoint, renderLossCurve } from './loss-curve.ts';
import { MetricsLog, type StepMetrics } from './metrics-log.ts';
import { checkpointStep, recoverRunDirectory } from './run-directory.ts';

/** File-system errors of a checkpoint write and what to do about them. */
const WRITE_ERRORS: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'an input/output error of the disk',
};

/**
 * A failed checkpoint write as a `DaleError` (`'checkpoint-write-failed'`) that names the cause,
 * the last good checkpoint (which survives: writes are atomic) and what to do.
 */
function checkpointWriteError(
  error: unknown,
  step: number,
  checkpointDir: string,
  lastGood: number | undefined,
): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const cause = code === undefined ? undefined : WRITE_ERRORS[code];
  if (cause === undefined) return error;
  const kept =
    lastGood === undefined
      ? 'no earlier checkpoint exists'
      : `the last good checkpoint, of step ${lastGood}, is intact in ${checkpointDir}`;
  return new DaleError(
    'checkpoint-write-failed',
    `training stopped at step ${step}: the checkpoint could not be written (${cause}: ${(error as Error).message}); ${kept}. ` +
      `Free some space (a checkpoint write needs room for two checkpoints while it swaps them), then continue with --resume.`,
    { cause: error },
  );
}

/** Class conditioning of training: labels with "no class" dropout for classifier-free guidance. */
export interface ConditioningOptions {
  /** Number of classes K (the model's `config.classes`); label K means "no class". */
  readonly classes: number;
  /** Probability that an example's label is replaced by "no class" (Ho & Salimans use 0.1–0.2). */
  readonly dropout: number;
}

/** A loss: a scalar from the score, a clean batch and the step's random stream. */
export type TrainingLoss = (
  score: ScoreFn,
  x0: tf.Tensor,
  context: { sde: SDE; rng: Rng },
) => tf.Scalar;

/** Options of {@link train}. */
export interface TrainOptions {
  /** The model to train (its variables are updated in place). */
  readonly model: Model;
  readonly sde: SDE;
  readonly data: TrainingData;
  /** Maps data into the SDE's domain (e.g. x + 1 for GBM); recorded in the checkpoint. */
  readonly transform?: PositivityTransform;
  /** Total number of steps (a resumed run continues up to it). */
  readonly steps: number;
  readonly batchSize: number;
  /**
   * Accumulate each step's gradients over micro-batches of at most this many examples
   * ({@link accumulatedGradients}): the same expected gradient with the memory of one micro-batch
   * (e.g. `unet-small` at batch 64 or more on the wasm backend, whose heap holds at most 4 GiB).
   * Default: the whole batch at once.
   */
  readonly microBatchSize?: number;
  /** Peak learning rate; default 2e-4. */
  readonly learningRate?: number;
  /** Linear warm-up from 0 over this many steps; default 0. */
  readonly warmupSteps?: number;
  /** Clip the global gradient norm to this value; default: no clipping. */
  readonly gradClipNorm?: number;
  /** EMA decay of the weights; default 0.999. */
  readonly emaDecay?: number;
  /**
   * Warm the EMA up: decay min(emaDecay, (1 + k)/(10 + k)) at the k-th update (`createEma`'s
   * `warmup`), so that short runs do not keep a share emaDecayᵏ of the random initial weights.
   * Default true.
   */
  readonly emaWarmup?: boolean;
  /** The loss; default M-DSM (`mdsmLoss`) with `weighting` (default `'reference'`) and ε = 1e-5. */
  readonly loss?: TrainingLoss;
  /** Weighting of the default loss. */
  readonly weighting?: LossWeighting;
  /**
   * Train a class-conditional model (`model.config.classes` > 0) on the data's labels, each
   * dropped to "no class" with probability `dropout` (one `rng.split('labels')` draw per example
   * of each step), so that the same model gives the unconditional score for guidance.
   */
  readonly conditioning?: ConditioningOptions;
  /** Seed of the data order and of every step's random stream. */
  readonly seed: number;
  /** Run directory: `checkpoint/`, `metrics.jsonl`, `loss.png`, `samples/`. */
  readonly outDir: string;
  /** Write a checkpoint every this many steps (and at the end); default 1000. */
  readonly checkpointEvery?: number;
  /**
   * Continue from `outDir/checkpoint` when it exists. The run directory is put in order first
   * ({@link recoverRunDirectory}): a `checkpoint.old-*` left by a crash is moved back, stale
   * temporary files are removed.
   */
  readonly resume?: boolean;
  /** Every this many steps (and at the end), call `sample` with the EMA score and write a grid PNG. */
  readonly sampleEvery?: number;
  /**
   * Draw samples (in the SDE's domain) for the grid, e.g. with a sampler of `@dale/samplers`:
   * `score` is the EMA model's (unconditional) score; `ema` are the EMA weights, for a caller
   * that builds its own score (class labels, guidance) with `scoreFnFromModel`.
   */
  readonly sample?: (score: ScoreFn, step: number, ema: ParamTree) => Promise<tf.Tensor>;
  /**
   * Write `loss.png`, the loss curve of every step logged so far (also those before a resume),
   * every `sampleEvery` steps and when training ends or stops; default true.
   */
  readonly lossCurve?: boolean;
  /** Free-form JSON stored in the checkpoint (e.g. the dataset name, the command line). */
  readonly meta?: Readonly<Record<string, JsonValue>>;
  /** Called after every step, e.g. for a progress bar. */
  readonly onStep?: (metrics: StepMetrics) => void;
  /** Stop cleanly (after the current step, with a checkpoint) when aborted, e.g. on Ctrl-C. */
  readonly signal?: AbortSignal;
}

/** What {@link train} returns. */
export interface TrainResult {
  /** The last completed step. */
  readonly step: number;
  /** `'completed'`, or `'aborted'` when `signal` fired. */
  readonly status: 'completed' | 'aborted';
  /** The step training resumed from (0 for a fresh run). */
  readonly resumedFrom: number;
  /** The EMA weights (owned by the caller: dispose them when done). */
  readonly ema: ParamTree;
}

/** Learning rate at 1-based step `step`: linear warm-up to the peak, then constant. */
export function learningRateAt(step: number, peak: number, warmupSteps: number): number {
  return warmupSteps > 0 ? peak * Math.min(1, step / warmupSteps) : peak;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new DaleError(
      'invalid-train-options',
      `train: ${name} must be an integer >= 1, got ${value}`,
    );
  }
  return value;
}

function writeAtomic(path: string, bytes: Uint8Array | string): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}

function checkConditioning(
  conditioning: ConditioningOptions | undefined,
  model: Model,
): ConditioningOptions | undefined {
  if (!conditioning) return undefined;
  const classes = Number(model.config['classes'] ?? 0);
  if (!(classes > 0) || conditioning.classes !== classes) {
    throw new DaleError(
      'invalid-train-options',
      `train: conditioning on ${conditioning.classes} classes needs a model with config.classes = ${conditioning.classes}, got ${classes}`,
    );
  }
  if (!(conditioning.dropout >= 0 && conditioning.dropout < 1)) {
    throw new DaleError(
      'invalid-train-options',
      `train: conditioning.dropout must be in [0, 1), got ${conditioning.dropout}`,
    );
  }
  return conditioning;
}

/** The batch's labels with each replaced by "no class" (K) with probability `dropout`. */
function droppedLabels(
  labels: Int32Array | undefined,
  conditioning: ConditioningOptions,
  rng: Rng,
): Int32Array {
  if (!labels) {
    throw new DaleError(
      'invalid-train-options',
      'train: a class-conditional model needs labelled data (the batch has no labelValues)',
    );
  }
  const draws = rng.split('labels');
  return labels.map((label) => {
    if (!(Number.isInteger(label) && label >= 0 && label < conditioning.classes)) {
      throw new DaleError(
        'invalid-train-options',
        `train: label ${label} is outside the model's ${conditioning.classes} classes`,
      );
    }
    return draws.uniform() < conditioning.dropout ? conditioning.classes : label;
  });
}

/**
 * Train a score model: for each step, a batch in a seeded order, the loss (M-DSM by default)
 * and its gradients, global-norm clipping, Adam with warm-up, and an EMA of the weights.
 * Checkpoints (weights, EMA, Adam state, step) are written atomically every `checkpointEvery`
 * steps; with `resume` a run continues from the last one and takes exactly the steps an
 * uninterrupted run would. Every `sampleEvery` steps and at the end, `loss.png` shows the loss
 * curve of the whole run. A non-finite loss or gradient stops training with an error that names
 * the step, leaving the last good checkpoint in place.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { model, sde, data, transform, outDir } = options;
  const steps = positiveInteger('steps', options.steps);
  const batchSize = positiveInteger('batchSize', options.batchSize);
  const microBatchSize =
    options.microBatchSize === undefined
      ? undefined
      : positiveInteger('microBatchSize', options.microBatchSize);
  const checkpointEvery = positiveInteger('checkpointEvery', options.checkpointEvery ?? 1000);
  if (data.size < batchSize) {
    throw new DaleError(
      'invalid-train-options',
      `train: batchSize ${batchSize} exceeds the ${data.size} training examples`,
    );
  }
  const learningRate = options.learningRate ?? 2e-4;
  const warmupSteps = options.warmupSteps ?? 0;
  const loss: TrainingLoss =
    options.loss ??
    ((score, x0, { sde: s, rng }) =>
      mdsmLoss(score, x0, {
        sde: s,
        rng,
        weighting: options.weighting ?? 'reference',
      }) as tf.Scalar);
  const conditioning = checkConditioning(options.conditioning, model);
  // Positivity is checked here, once, instead of by the SDE on every step.
  await checkTrainingDataRange(data, sde, transform);
  mkdirSync(join(outDir, 'samples'), { recursive: true });
  const checkpointDir = join(outDir, 'checkpoint');

  const variables = new Map(
    flattenParams(model.params).map(([name, v]) => [name, v as tf.Variable]),
  );
  const adam = new Adam();
  const emaWarmup = options.emaWarmup ?? true;
  let ema: Ema = createEma(model.params, options.emaDecay ?? 0.999, { warmup: emaWarmup });
  let resumedFrom = 0;
  if (options.resume) recoverRunDirectory(outDir);
  if (options.resume && existsSync(join(checkpointDir, 'config.json'))) {
    const saved = await loadCheckpoint(checkpointDir);
    resumedFrom = checkpointStep(saved.meta, checkpointDir);
    assignParams(model.params, saved.model.params);
    const updates = Number((saved.meta.emaUpdates as number | undefined) ?? 0);
    ema.dispose();
    ema = createEma(model.params, options.emaDecay ?? 0.999, { updates, warmup: emaWarmup });
    if (saved.ema) assignParams(ema.params, saved.ema);
    if (saved.optimizer) {
      adam.restore(saved.optimizer.tensors, resumedFrom, {
        variables,
        where: join(checkpointDir, 'optimizer.safetensors'),
      });
    }
    for (const tree of [saved.model.params, saved.ema])
      if (tree) tf.dispose(flattenParams(tree).map(([, v]) => v));
    if (saved.optimizer) tf.dispose([...saved.optimizer.tensors.values()]);
  }
  const log = new MetricsLog(
    join(outDir, 'metrics.jsonl'),
    resumedFrom > 0 ? resumedFrom : undefined,
  );
  // The loss curve covers the whole run: the steps before a resume come from the (cut back) log.
  const history: LossPoint[] =
    resumedFrom > 0 ? MetricsLog.read(log.path).map(({ step, loss }) => ({ step, loss })) : [];
  let lossCurveStep: number | undefined;
  const writeLossCurve = (step: number) => {
    if (options.lossCurve === false || lossCurveStep === step) return;
    writeAtomic(join(outDir, 'loss.png'), encodePng(renderLossCurve(history)));
    lossCurveStep = step;
  };
  const order = new DataOrder(data.size, batchSize, options.seed);
  const score = scoreFnFromModel(model, sde);
  const scoreFor = (labels: Int32Array | undefined, range: BatchRange | undefined) =>
    labels
      ? scoreFnFromModel(model, sde, {
          labels: range ? labels.subarray(range.start, range.start + range.size) : labels,
        })
      : score;

  let lastCheckpoint: number | undefined = resumedFrom > 0 ? resumedFrom : undefined;
  const checkpoint = async (step: number) => {
    const state = adam.state();
    try {
      await writeCheckpoint(step, state);
    } catch (error) {
      throw checkpointWriteError(error, step, checkpointDir, lastCheckpoint);
    }
    lastCheckpoint = step;
  };
  const writeCheckpoint = async (step: number, state: ReturnType<Adam['state']>) => {
    await saveCheckpoint(checkpointDir, {
      model,
      ema: ema.params,
      optimizer: { tensors: state.tensors, state: { step: state.step } },
      meta: {
        ...options.meta,
        step,
        seed: options.seed,
        emaUpdates: ema.updates,
        sde: sde.toJSON() as unknown as JsonValue,
        transform: (transform?.toJSON() ?? null) as unknown as JsonValue,
        train: {
          steps,
          batchSize,
          microBatchSize: microBatchSize ?? null,
          learningRate,
          warmupSteps,
          gradClipNorm: options.gradClipNorm ?? null,
          emaDecay: ema.decay,
          emaWarmup,
          conditioning: conditioning
            ? { classes: conditioning.classes, dropout: conditioning.dropout }
            : null,
        },
      },
    });
  };
  const writeSamples = async (step: number) => {
    if (!options.sample) return;
    const emaScore = scoreFnFromModel(model, sde, { params: ema.params });
    const samples = await options.sample(emaScore, step, ema.params);
    const pixels = tf.tidy(() => (transform ? transform.inverse(samples) : samples));
    const [n, h, w, c] = pixels.shape as [number, number, number, number];
    const png = encodePng(imageGrid(await pixels.data(), [n, h, w, c]));
    tf.dispose([samples, pixels]);
    writeAtomic(join(outDir, 'samples', `step-${String(step).padStart(7, '0')}.png`), png);
  };

  let step = resumedFrom;
  let status: TrainResult['status'] = 'completed';
  while (step < steps) {
    if (options.signal?.aborted) {
      status = 'aborted';
      break;
    }
    const started = performance.now();
    const index = step; // 0-based index of the step about to run
    const rng = stepRng(options.seed, index);
    const batch = data.batch(order.indices(index));
    const x0 = transform
      ? tf.tidy(() => transform.forward(batch.images, rng.split('transform')))
      : batch.images;
    const labels = conditioning ? droppedLabels(batch.labelValues, conditioning, rng) : undefined;
    const { value, grads } = accumulatedGradients(
      (x, stream, range) => loss(scoreFor(labels, range), x, { sde, rng: stream }),
      x0,
      rng,
      [...variables.values()],
      microBatchSize,
    );
    const named = new Map<string, tf.Tensor>();
    for (const [name, v] of variables) if (grads[v.name]) named.set(name, grads[v.name]!);
    // Read asynchronously: TensorFlow.js's WebGPU backend cannot read synchronously in Node.
    const normTensor = globalNorm(named);
    const [lossData, normData] = await Promise.all([value.data(), normTensor.data()]);
    normTensor.dispose();
    const lossValue = lossData[0]!;
    const clipped = clipByGlobalNorm(named, options.gradClipNorm, normData[0]!);
    if (!Number.isFinite(lossValue) || !Number.isFinite(clipped.norm)) {
      tf.dispose([value, x0, ...Object.values(grads), ...clipped.grads.values()]);
      batch.dispose();
      writeLossCurve(index);
      adam.dispose();
      ema.dispose();
      throw new DaleError(
        'non-finite-loss',
        `training stopped at step ${index + 1}: the loss is ${lossValue} and the gradient norm ${clipped.norm}. ` +
          `Nothing from this step was applied; the last good checkpoint (step ${Math.floor(index / checkpointEvery) * checkpointEvery || resumedFrom}) is in ${checkpointDir}. ` +
          'Lower the learning rate, enable gradient clipping (gradClipNorm) or check the data.',
      );
    }
    const lr = learningRateAt(index + 1, learningRate, warmupSteps);
    adam.apply(variables, clipped.grads, lr);
    ema.update(model.params);
    const uniqueGrads = new Set([...Object.values(grads), ...clipped.grads.values()]);
    tf.dispose([value, ...uniqueGrads]);
    if (x0 !== batch.images) x0.dispose();
    batch.dispose();
    step = index + 1;

    const stepMs = performance.now() - started;
    const metrics: StepMetrics = {
      step,
      loss: lossValue,
      gradNorm: clipped.norm,
      lr,
      stepMs,
      imagesPerSec: (1000 * batchSize) / stepMs,
    };
    log.append(metrics);
    history.push({ step, loss: lossValue });
    options.onStep?.(metrics);
    if (step % checkpointEvery === 0 || step === steps) await checkpoint(step);
    if (options.sampleEvery && (step % options.sampleEvery === 0 || step === steps)) {
      writeLossCurve(step);
      await writeSamples(step);
    }
    await new Promise((resolve) => setImmediate(resolve)); // let signals and progress output through
  }
  if (status === 'aborted' && step > resumedFrom && step % checkpointEvery !== 0)
    await checkpoint(step);
  writeLossCurve(step);
  adam.dispose();
  const emaParams = ema.params;
  return { step, status, resumedFrom, ema: emaParams };
}

/**
 * The generation pipeline: a loaded checkpoint → its SDE (`meta.sde`), positivity transform
 * (`meta.transform`) and score model → a sampler run with progress and snapshots → the samples
 * mapped back to pixels. Browser-safe: no Node module is imported.
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import { transformFromConfig } from '@dale/data';
import {
  type CheckpointMeta,
  disposeParams,
  flattenParams,
  type LoadedCheckpoint,
  type Model,
  type ParamTree,
  scoreFnFromModel,
} from '@dale/models';
import { getSampler, initialSample, type SamplerOptions, type StepInfo } from '@dale/samplers';
import { type ScoreFn, type SDE, sdeFromConfig } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { defaultGuidance } from './guidance.ts';

/** Which intermediate states {@link Generator.generate} keeps (a strip of the chain). */
export interface SnapshotOptions {
  /** Keep the first `count` samples of the batch. */
  readonly count: number;
  /** Keep them after about this many evenly spaced sampler steps (the last one included). */
  readonly columns: number;
}

/** Intermediate states of the first samples, as pixels. */
export interface Snapshots {
  /** The sampler step of each state: 0 is the start x_T, then evenly spaced steps up to the last. */
  readonly steps: readonly number[];
  /** `pixels[j]`: the first `count` samples after `steps[j]` steps, [count, ...sample shape]. */
  readonly pixels: readonly tf.Tensor[];
}

/** Options of {@link Generator.generate}. */
export interface GenerateOptions {
  /** Number of samples. */
  readonly n: number;
  /** The registered sampler's name (`getSampler` of `@dale/samplers`). */
  readonly sampler: string;
  /** The sampler's own options, e.g. `{ steps: 500 }`. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The sampler's random stream (start and noise). */
  readonly rng: Rng;
  /** Called after every sampler step (progress). */
  readonly onStep?: (info: StepInfo) => void;
  /** Keep intermediate states of the first samples; the samples are the same with or without. */
  readonly snapshots?: SnapshotOptions;
  /**
   * Clean images in pixel space, [n, ...sample shape], to map by the positivity transform, noise
   * to t = T and start from (the class-average start, guide: §7) instead of the prior. Not disposed.
   */
  readonly startFrom?: tf.Tensor;
  /** Class labels of a class-conditional model, one per sample; none: the unconditional model. */
  readonly labels?: ArrayLike<number>;
  /**
   * Classifier-free guidance weight (with `labels`); default {@link Generator.defaultGuidance}
   * (1 for a class-conditional model trained with label dropout, else 0).
   */
  readonly guidance?: number;
}

/** What {@link Generator.generate} returns; the caller disposes it. */
export interface Generated {
  /** The samples as the sampler returns them (before the inverse transform), [n, ...shape]. */
  readonly samples: tf.Tensor;
  /**
   * The samples mapped back with the inverse of the checkpoint's positivity transform; images are
   * clamped to [0, 1].
   */
  readonly pixels: tf.Tensor;
  /** The intermediate states, when `snapshots` was given. */
  readonly snapshots?: Snapshots;
  /** Free every tensor above. */
  dispose(): void;
}

/** Which weights a generator samples with. */
export type WeightChoice = 'ema' | 'trained';

/** A checkpoint ready to sample from: {@link generatorFromCheckpoint}, {@link loadGenerator}. */
export interface Generator {
  /** Where the checkpoint came from (a directory, a URL or a name), as error messages name it. */
  readonly source: string;
  /** The checkpoint's `meta` (dataset, step, sde, transform, …). */
  readonly meta: CheckpointMeta;
  /** The score model (its config tells what it predicts). */
  readonly model: Model;
  /** The shape of one sample, e.g. [28, 28, 1]. */
  readonly sampleShape: readonly number[];
  /** Whether samples are images (rank 3: H, W, C). */
  readonly isImage: boolean;
  /** Whether the EMA weights are used (else the trained ones). */
  readonly usesEma: boolean;
  /** The SDE rebuilt from `meta.sde`. */
  readonly sde: SDE;
  /** The score of the chosen weights under {@link Generator.sde}. */
  readonly score: ScoreFn;
  /** The guidance weight used when a run gives labels but no `guidance` ({@link defaultGuidance}). */
  readonly defaultGuidance: number;
  /** Draw samples with a sampler. */
  generate(options: GenerateOptions): Promise<Generated>;
  /** Free the checkpoint's weights (the model's and the EMA ones). */
  dispose(): void;
}

/** Options of {@link generatorFromCheckpoint}. */
export interface GeneratorOptions {
  /** `'ema'` (default; the trained weights when the checkpoint has no EMA) or `'trained'`. */
  readonly weights?: WeightChoice;
  /** Where the checkpoint came from, for error messages; default `'checkpoint'`. */
  readonly source?: string;
}

/**
 * Whether step `step` of `total` is one of `columns` evenly spaced steps: steps ⌈j·total/columns⌉
 * for j = 1 … columns, so the last step is always kept (every step when total ≤ columns).
 */
export function isEvenlySpacedStep(step: number, total: number, columns: number): boolean {
  return Math.floor((step * columns) / total) > Math.floor(((step - 1) * columns) / total);
}

/**
 * A generator for a loaded checkpoint (`checkpointFromBytes`, `loadCheckpoint` of
 * `@dale/models/node`, {@link fetchCheckpoint}): the SDE from `meta.sde` (`sdeFromConfig`), the
 * positivity transform from `meta.transform` (`transformFromConfig`) and the score of the chosen
 * weights (`scoreFnFromModel`). The generator's `dispose` frees the checkpoint's weights; a caller
 * that keeps using the checkpoint simply does not call it (the generator holds nothing else).
 *
 * @example
 * ```ts
 * const generator = generatorFromCheckpoint(await fetchCheckpoint('/models/mnist'));
 * const run = await generator.generate({ n: 16, sampler: 'dale-langevin', settings: { steps: 100 }, rng: Rng.fromSeed(0) });
 * const png = await toPng(run.pixels);
 * run.dispose();
 * ```
 */
export function generatorFromCheckpoint(
  checkpoint: LoadedCheckpoint,
  options: GeneratorOptions = {},
): Generator {
  const { model, ema, meta } = checkpoint;
  const source = options.source ?? 'checkpoint';
  if (!meta.sde) {
    throw new DaleError(
      'invalid-checkpoint',
      `${source}: the checkpoint's meta has no "sde"; sampling needs the SDE it was trained with`,
    );
  }
  const sde = sdeFromConfig(meta.sde);
  const transform = meta.transform ? transformFromConfig(meta.transform) : undefined;
  const config = model.config as { inputShape?: readonly number[]; inputDim?: number };
  const sampleShape = config.inputShape ?? [config.inputDim ?? 0];
  const isImage = sampleShape.length === 3;
  const usesEma = (options.weights ?? 'ema') === 'ema' && ema !== undefined;
  const params: ParamTree = usesEma ? ema : model.params;
  const score = scoreFnFromModel(model, sde, { params });
  const guidance = defaultGuidance(model, meta);
  const fromPixels = (x: tf.Tensor, rng: Rng): tf.Tensor =>
    tf.tidy(() => (transform ? transform.forward(x, rng) : tf.clone(x)));
  const toPixels = (x: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const y = transform ? transform.inverse(x) : tf.clone(x);
      return isImage ? tf.clipByValue(y, 0, 1) : y;
    });
  return {
    source,
    meta,
    model,
    sampleShape,
    isImage,
    usesEma,
    sde,
    score,
    defaultGuidance: guidance,
    generate: (run) =>
      generate(run, {
        sde,
        score:
          run.labels === undefined
            ? score
            : scoreFnFromModel(model, sde, {
                params,
                labels: run.labels,
                guidance: run.guidance ?? guidance,
              }),
        sampleShape,
        toPixels,
        fromPixels,
        params,
      }),
    dispose: () => {
      disposeParams(model.params);
      if (ema) disposeParams(ema);
    },
  };
}

interface Sampling {
  readonly sde: SDE;
  readonly score: ScoreFn;
  /** The weights behind `score`, searched for non-finite values when the samples have some. */
  readonly params?: ParamTree;
  readonly sampleShape: readonly number[];
  readonly toPixels: (x: tf.Tensor) => tf.Tensor;
  readonly fromPixels: (x: tf.Tensor, rng: Rng) => tf.Tensor;
}

/** Count the non-finite values (NaN, ±Infinity) of a tensor. */
async function nonFiniteCount(x: tf.Tensor): Promise<number> {
  const count = tf.tidy(() => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(x)), 'int32')));
  const [value] = await count.data();
  count.dispose();
  return value!;
}

/**
 * Fail when the samples hold non-finite values, with their count, the sampler step where the
 * score first gave some (`flags[e]`: evaluation e had any; `nfeAtStep[s]`: evaluations after step
 * s + 1) and whether the weights themselves are non-finite.
 */
async function checkFinite(
  samples: tf.Tensor,
  flags: readonly tf.Tensor[],
  nfeAtStep: readonly number[],
  params: ParamTree | undefined,
): Promise<void> {
  const bad = await nonFiniteCount(samples);
  if (bad === 0) return;
  let firstEvaluation = -1;
  for (const [e, flag] of flags.entries()) {
    if ((await flag.data())[0]) {
      firstEvaluation = e + 1;
      break;
    }
  }
  const step = nfeAtStep.findIndex((nfe) => nfe >= firstEvaluation) + 1;
  const where =
    firstEvaluation < 0
      ? 'the score stayed finite, so the sampler itself overflowed (try more --steps, or another --sampler)'
      : `they first appeared at sampler step ${step > 0 ? step : '?'} of ${nfeAtStep.length} (score evaluation ${firstEvaluation})`;
  let weights = 0;
  let total = 0;
  if (params) {
    for (const [, v] of flattenParams(params)) {
      weights += await nonFiniteCount(v);
      total += v.size;
    }
  }
  throw new DaleError(
    'non-finite-samples',
    `${bad} of ${samples.size} sample values are not finite (NaN or ±Infinity); ${where}` +
      (weights > 0
        ? `. The checkpoint's weights hold ${weights} non-finite values of ${total}: it was probably saved from a run that diverged; sample an earlier checkpoint, or train again with a lower learning rate`
        : '. The weights are finite, so the sampler diverged: try more --steps, or the log-space dale-langevin sampler') +
      '. Nothing was written.',
  );
}

async function generate(run: GenerateOptions, sampling: Sampling): Promise<Generated> {
  const { sde, toPixels } = sampling;
  // Every score evaluation notes whether it gave non-finite values (a scalar, read only if the
  // samples turn out non-finite), so that a failure can say at which step it began.
  const flags: tf.Tensor[] = [];
  const nfeAtStep: number[] = [];
  const score: ScoreFn = (x, t) => {
    const out = sampling.score(x, t);
    flags.push(tf.keep(tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(out))))));
    return out;
  };
  const shape = [run.n, ...sampling.sampleShape];
  const kept: { step: number; x: tf.Tensor }[] = [];
  const keep = (step: number, x: tf.Tensor, count: number) => {
    const first = tf.tidy(() => tf.slice(x, 0, Math.min(count, x.shape[0]!)));
    kept.push({ step, x: toPixels(first) });
    first.dispose();
  };
  const wanted = run.snapshots;
  let totalSteps: number | undefined;
  if (run.startFrom && !tf.util.arraysEqual(run.startFrom.shape, shape)) {
    throw new DaleError(
      'invalid-start',
      `generate: startFrom must hold one clean image per sample, shape [${shape.join(', ')}], got [${run.startFrom.shape.join(', ')}]`,
    );
  }
  const clean = run.startFrom ? sampling.fromPixels(run.startFrom, run.rng) : undefined;
  const from = clean ? { initFrom: clean } : { shape };
  // With snapshots, the start is drawn here exactly as the sampler would draw it (the same draws
  // from rng), so it can be shown as step 0.
  const start = wanted ? initialSample(sde, { ...from, rng: run.rng }, 'generate') : undefined;
  if (start && wanted) keep(0, start, wanted.count);
  const options: SamplerOptions & Readonly<Record<string, unknown>> = {
    ...run.settings,
    rng: run.rng,
    ...(start ? { init: start, snapshotEvery: 1 } : from),
    onStep: (info) => {
      totalSteps = info.total;
      nfeAtStep.push(info.nfe);
      if (wanted && info.x) {
        // Unknown totals (adaptive ODE solvers): keep every step, thinned at the end.
        if (info.total === undefined || isEvenlySpacedStep(info.step, info.total, wanted.columns))
          keep(info.step, info.x, wanted.count);
      }
      run.onStep?.(info);
    },
  };
  let samples: tf.Tensor;
  try {
    samples = await getSampler(run.sampler)(score, sde, options);
    await checkFinite(samples, flags, nfeAtStep, sampling.params).catch((error) => {
      samples.dispose();
      throw error;
    });
  } catch (error) {
    tf.dispose(kept.map((k) => k.x));
    throw error;
  } finally {
    start?.dispose();
    clean?.dispose();
    tf.dispose(flags);
  }
  const pixels = toPixels(samples);
  let snapshots: Snapshots | undefined;
  if (wanted) {
    const steps = kept.length - 1;
    const chosen =
      totalSteps === undefined
        ? kept.filter((_k, i) => i === 0 || isEvenlySpacedStep(i, steps, wanted.columns))
        : kept;
    tf.dispose(kept.filter((k) => !chosen.includes(k)).map((k) => k.x));
    snapshots = { steps: chosen.map((k) => k.step), pixels: chosen.map((k) => k.x) };
  }
  return {
    samples,
    pixels,
    ...(snapshots ? { snapshots } : {}),
    dispose: () => tf.dispose([samples, pixels, ...(snapshots?.pixels ?? [])]),
  };
}

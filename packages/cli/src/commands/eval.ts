/**
 * `dale eval`: draw n samples from a checkpoint in batches and measure them against the real test
 * images of its dataset — FID, KID, precision/recall and nearest training neighbours on the
 * features of the dataset's domain classifier (or InceptionV3), plus the classifier's confidence
 * and class histogram — as a table on stdout and a JSON report.
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DaleError, Rng } from '@dale/core';
import { writeFileAtomic } from '@dale/data/node';
import {
  type DisposableFeatureExtractor,
  type DomainDataset,
  domainExtractor,
  type FeatureExtractor,
  loadInceptionV3,
} from '@dale/metrics';
import type * as tf from '@tensorflow/tfjs-core';
import { backendChoices, selectBackend } from '../backend.ts';
import {
  classAverageImages,
  loadClassAverages,
  START_CHOICES,
  type StartChoice,
} from '../class-average-start.ts';
import { CONDITIONING_OPTIONS, resolveConditioning } from '../conditioning.ts';
import { DATASET_NAMES, type DatasetName, isDatasetName } from '../dataset.ts';
import { EXIT_CODES, InterruptedError, stopName, stoppedExitCode, UsageError } from '../errors.ts';
import {
  type EvalFigures,
  evaluateSamples,
  type ImageClassifier,
  METRIC_NAMES,
  type MetricName,
  NN_SAMPLES,
} from '../evaluate.ts';
import { type CheckpointGenerator, loadGenerator } from '../generate.ts';
import {
  BACKEND_OPTION,
  CHECKPOINT_OPTIONS,
  defaultSteps,
  resolveCheckpoint,
  resolveSampler,
  SAMPLER_OPTIONS,
  samplerSettings,
  WEIGHT_CHOICES,
} from '../generation-options.ts';
import {
  type CommandSpec,
  choiceOption,
  closest,
  integerOption,
  type OptionValues,
  stringOption,
} from '../options.ts';
import type { Output } from '../output.ts';
import { checkDistinctFiles, checkOutputFile } from '../paths.ts';
import { Progress } from '../progress.ts';
import { referenceFeatures, referenceImages, trainingImages } from '../reference.ts';
import type { RunContext } from './train.ts';

/** Datasets with a domain classifier in `@dale/metrics` (`domainExtractor`). */
const DOMAIN_DATASETS: readonly DomainDataset[] = ['mnist', 'fashion-mnist', 'kmnist'];

function isDomainDataset(name: string): name is DomainDataset {
  return (DOMAIN_DATASETS as readonly string[]).includes(name);
}

/** The command line of `dale eval`. */
export const EVAL_COMMAND = {
  name: 'eval',
  summary: 'measure samples of a checkpoint: FID, KID, precision/recall, nearest neighbours',
  usage: 'dale eval --checkpoint DIR | --model NAME [options]',
  options: {
    ...CHECKPOINT_OPTIONS,
    metrics: {
      type: 'string',
      value: 'LIST',
      default: METRIC_NAMES.join(','),
      description:
        'comma-separated: fid, kid (64 subsets of 64), pr (precision/recall, k = 3), nn (nearest training images)',
    },
    n: { type: 'string', value: 'N', default: 10_000, description: 'number of samples (>= 2)' },
    batch: {
      type: 'string',
      value: 'N',
      default: 500,
      description: 'samples per sampler run (memory)',
    },
    ...SAMPLER_OPTIONS,
    ...CONDITIONING_OPTIONS,
    backend: BACKEND_OPTION,
    out: {
      type: 'string',
      value: 'FILE',
      default: 'eval.json',
      description: 'the JSON report: every figure and the settings',
    },
    sheet: {
      type: 'string',
      value: 'FILE',
      description: `with nn: a PNG of the first ${NN_SAMPLES} samples, each followed by its nearest training images`,
    },
    floor: {
      type: 'boolean',
      description:
        'also measure n real training images the same way: the floor a perfect generator reaches at this n',
    },
    force: {
      type: 'boolean',
      description: 'overwrite an existing --out or --sheet that is not a file of that kind',
    },
    inception: {
      type: 'string',
      value: 'PATH',
      description:
        'features of an InceptionV3 TensorFlow.js graph model (model.json) instead of the domain classifier',
    },
  },
  details: [
    "Samples are compared with the real test split of the checkpoint's dataset (meta.dataset):",
    'features come from the domain classifier of @dale/metrics (mnist, fashion-mnist, kmnist;',
    'for KMNIST only the 2,000 test images it was not trained on) or, with --inception, from',
    "InceptionV3 (the only choice for cifar10). The test split's features are cached under",
    "dale's cache directory ($DALE_CACHE, $XDG_CACHE_HOME/dale or ~/.cache/dale) for the next run.",
    'The classifier also gives the fraction of confident samples (max softmax >= 0.9) and the',
    'histogram of predicted classes. FID is biased upwards for small n: compare at equal n.',
    '--out and --sheet are checked before any sampling. The report is written as soon as the',
    'samples are measured (again after --floor); Ctrl-C or SIGTERM during sampling writes the',
    'figures of the samples done so far ("measured" in the report) and exits with 130 or 143.',
    '',
    'Examples:',
    '  dale eval --model mnist --guidance 1 --n 1000',
    '  dale eval --checkpoint runs/mnist/checkpoint --n 10000 --backend wasm --sheet nn.png',
  ].join('\n'),
} satisfies CommandSpec;

/** What `dale eval` writes to `--out`: the settings of the run and every figure. */
export interface EvalReport extends EvalFigures {
  readonly settings: {
    readonly checkpoint: string;
    /** The pretrained model (`--model`), or null. */
    readonly model: string | null;
    readonly dataset: string;
    /** The training step of the checkpoint. */
    readonly step: number | null;
    readonly weights: 'ema' | 'trained';
    readonly sampler: string;
    readonly samplerSettings: Readonly<Record<string, unknown>>;
    /** Where the chains started: `prior` or `class-average` (`--start`). */
    readonly start: StartChoice;
    /** `--class` of a class-conditional model (a class, 'all' or 'none'), or null. */
    readonly class: number | 'all' | 'none' | null;
    /** The classifier-free guidance weight. */
    readonly guidance: number;
    readonly steps: number;
    /** The samples asked for (`--n`). */
    readonly n: number;
    readonly batch: number;
    readonly seed: number;
    readonly backend: string;
    readonly device: string;
    readonly metrics: readonly MetricName[];
    readonly extractor: string;
    readonly featureDim: number;
    /** The real images compared with, e.g. `mnist/test`, and their number. */
    readonly reference: {
      readonly images: string;
      readonly size: number;
      readonly cached: boolean;
    };
    readonly wallTimeSeconds: number;
  };
  /** Class names of the histogram's classes, when the dataset has them. */
  readonly classNames: readonly string[];
  /**
   * The samples the figures are of: `settings.n`, or fewer when the evaluation was interrupted
   * (Ctrl-C, SIGTERM) and the report holds the figures of the samples done by then.
   */
  readonly measured: number;
  /**
   * `'complete'`, `'interrupted'` (a signal), or `'failed'` (an error after at least two samples;
   * the notes name it): see {@link EvalReport.measured}.
   */
  readonly status: 'complete' | 'interrupted' | 'failed';
  /** The `--sheet` written, or null. */
  readonly sheet: string | null;
  /**
   * With `--floor`: the same figures (but nn) for n seeded random training images in place of the
   * samples — what a perfect generator would score at this n; null without it.
   */
  readonly floor: EvalFigures | null;
}

/** Parse `--metrics`: a comma-separated list of {@link METRIC_NAMES} (no duplicates needed). */
export function parseMetrics(values: OptionValues): MetricName[] {
  const text = stringOption(values, 'metrics', EVAL_COMMAND);
  const entries = text.split(',').map((e) => e.trim());
  const chosen: MetricName[] = [];
  for (const entry of entries) {
    if (!(METRIC_NAMES as readonly string[]).includes(entry)) {
      const suggestion = entry === '' ? undefined : closest(entry, METRIC_NAMES);
      throw new UsageError(
        `option --metrics of 'dale eval': expected a comma-separated list of ${METRIC_NAMES.join(', ')}, got '${text}' ('${entry}' is not one${suggestion ? `; did you mean ${suggestion}?` : ''})`,
        'eval',
      );
    }
    if (!chosen.includes(entry as MetricName)) chosen.push(entry as MetricName);
  }
  return chosen;
}

function format(value: number, digits = 4): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

/** The table rows (name, value) of a set of figures. */
function figureRows(report: EvalFigures, classNames: readonly string[]): [string, string][] {
  const rows: [string, string][] = [];
  if (report.fid !== null) rows.push(['FID', format(report.fid, 3)]);
  if (report.kid) {
    rows.push([
      `KID (${report.kid.subsets} subsets of ${report.kid.subsetSize})`,
      `${format(report.kid.mean, 5)} ± ${format(report.kid.std, 5)}`,
    ]);
  }
  if (report.precisionRecall) {
    const { precision, recall, k } = report.precisionRecall;
    rows.push([`precision (k = ${k})`, format(precision)], [`recall (k = ${k})`, format(recall)]);
  }
  if (report.nearestNeighbours) {
    const nn = report.nearestNeighbours;
    rows.push([
      `nearest training image (${nn.samples} samples)`,
      `${format(nn.meanNearestDistance, 3)} (held-out real: ${format(nn.heldOutMeanNearestDistance, 3)}; ratio ${format(nn.ratio, 3)})`,
    ]);
  }
  if (report.classifier) {
    const c = report.classifier;
    rows.push(
      [`confident (max p >= ${c.threshold})`, format(c.confidentFraction)],
      ...(c.asRequestedFraction === null
        ? []
        : [['classified as asked', format(c.asRequestedFraction)] as [string, string]]),
      ['mean max probability', format(c.meanMaxProbability)],
      [
        'predicted classes',
        c.histogram.map((count, k) => `${classNames[k] ?? k}:${count}`).join(' '),
      ],
    );
  }
  return rows;
}

/** The report as a table for people. */
export function formatEvalReport(report: EvalReport): string {
  const s = report.settings;
  const rows = figureRows(report, report.classNames);
  const floor = report.floor;
  const floorRows = floor
    ? figureRows({ ...floor, nearestNeighbours: null }, report.classNames)
    : [];
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  const column = Math.max(...rows.map(([, value]) => value.length)) + 2;
  const floorOf = (name: string) => floorRows.find(([n]) => n === name)?.[1] ?? '';
  const weights = s.weights === 'ema' ? 'EMA' : 'trained';
  return [
    `dale eval: ${report.measured < s.n ? `${report.measured} of ${s.n} (interrupted)` : s.n} samples of ${s.model ?? s.checkpoint} (${s.dataset}, step ${s.step ?? '?'}, ${weights} weights), ${s.sampler} ${s.steps} steps${s.start === 'class-average' ? ' from class averages' : ''}${s.class === null ? '' : `, class ${s.class}${s.guidance > 0 ? `, guidance ${s.guidance}` : ''}`}, seed ${s.seed}, ${s.backend}`,
    `features: ${s.extractor} (${s.featureDim}-d) against ${s.reference.images} (${s.reference.size} images)`,
    '',
    ...(floor
      ? [`  ${''.padEnd(width)}${'samples'.padEnd(column)}real training images (floor)`]
      : []),
    ...rows.map(([name, value]) =>
      floor
        ? `  ${name.padEnd(width)}${value.padEnd(column)}${floorOf(name)}`
        : `  ${name.padEnd(width)}${value}`,
    ),
    ...(report.notes.length > 0 ? ['', 'notes:', ...report.notes.map((n) => `  - ${n}`)] : []),
    '',
  ].join('\n');
}

async function loadClassifier(
  dataset: DatasetName,
  extractor: FeatureExtractor,
  notes: string[],
): Promise<ImageClassifier | undefined> {
  if (!isDomainDataset(dataset)) {
    notes.push(`no domain classifier for ${dataset}: no confidence or class histogram`);
    return undefined;
  }
  if ('classify' in extractor) return extractor as DisposableFeatureExtractor;
  try {
    return await domainExtractor(dataset);
  } catch (error) {
    if (!(error instanceof DaleError) || error.code !== 'weights-unavailable') throw error;
    notes.push(
      `the ${dataset} domain classifier is not available: no confidence or class histogram`,
    );
    return undefined;
  }
}

async function loadExtractor(
  dataset: DatasetName,
  inception: string | undefined,
): Promise<FeatureExtractor> {
  if (inception !== undefined) return loadInceptionV3(inception);
  if (!isDomainDataset(dataset)) {
    throw new UsageError(
      `the checkpoint's dataset ${dataset} has no domain feature extractor (${DOMAIN_DATASETS.join(', ')} have one): pass --inception PATH, an InceptionV3 TensorFlow.js graph model (see the README of @dale/metrics)`,
      'eval',
    );
  }
  return domainExtractor(dataset);
}

function checkpointDataset(generator: CheckpointGenerator): DatasetName {
  const { dataset } = generator.meta;
  if (!generator.isImage) {
    throw new UsageError(
      `${generator.checkpoint} holds a ${generator.model.config.kind} model of non-image data (shape [${generator.sampleShape.join(', ')}]): dale eval measures images`,
      'eval',
    );
  }
  if (typeof dataset !== 'string' || !isDatasetName(dataset)) {
    throw new UsageError(
      `dale eval compares samples with the test split of the checkpoint's dataset: expected meta.dataset to be one of ${DATASET_NAMES.join(', ')}, got ${JSON.stringify(dataset ?? null)}`,
      'eval',
    );
  }
  return dataset;
}

/**
 * Run `dale eval` with parsed options: generate `--n` samples in batches with progress on
 * `output.stderr`, compute the metrics, print the table, write the JSON (and `--sheet`) and
 * return the exit code.
 */
export async function runEval(
  values: OptionValues,
  output: Output,
  context: RunContext = {},
): Promise<number> {
  const startedAt = performance.now();
  const choice = resolveCheckpoint(values, 'eval');
  if (choice.deprecation) output.stderr(choice.deprecation);
  // An unknown --sampler is a usage error before any work; the default depends on the checkpoint.
  if (values.sampler !== undefined) resolveSampler(values, 'eval');
  const metrics = parseMetrics(values);
  // Each option's default is its spec's (EVAL_COMMAND), read through the accessors.
  const command = EVAL_COMMAND;
  const n = integerOption(values, 'n', command, 2);
  const batch = integerOption(values, 'batch', command);
  const seed = integerOption(values, 'seed', command, 0);
  const weights = choiceOption(values, 'weights', command, WEIGHT_CHOICES);
  const backend = choiceOption(values, 'backend', command, backendChoices());
  const start = choiceOption(values, 'start', command, START_CHOICES);
  const out = stringOption(values, 'out', command);
  const sheetFile = stringOption(values, 'sheet');
  const inception = stringOption(values, 'inception');
  if (sheetFile !== undefined && !metrics.includes('nn')) {
    throw new UsageError(
      `option --sheet of 'dale eval' draws the nearest-neighbour check: expected nn in --metrics, got '${metrics.join(',')}'`,
      'eval',
    );
  }

  // Outputs are checked before any work: a bad path must never cost an evaluation.
  const force = values.force === true;
  checkDistinctFiles('eval', [
    ['out', out],
    ['sheet', sheetFile],
  ]);
  checkOutputFile(out, { option: 'out', command: 'eval', kind: 'json', force });
  if (sheetFile !== undefined)
    checkOutputFile(sheetFile, { option: 'sheet', command: 'eval', kind: 'png', force });

  const selection = await selectBackend(backend, output);
  const generator = await loadGenerator(choice.dir, { weights });
  const owned = new Set<{ dispose(): void }>([generator]);
  /** Remember `x` for disposal at the end when it holds tensors (the domain extractor does). */
  const own = <T extends object>(x: T): T => {
    if ('dispose' in x && typeof x.dispose === 'function') owned.add(x as { dispose(): void });
    return x;
  };
  try {
    const dataset = checkpointDataset(generator);
    const samplerName = resolveSampler(values, 'eval', generator.model.config.predicts);
    const steps = integerOption(values, 'steps', 'eval') ?? defaultSteps(samplerName);
    const conditioning = resolveConditioning(
      values,
      'eval',
      Number(generator.model.config['classes'] ?? 0),
      generator.defaultGuidance,
    );
    // Batch `index` continues the class cycle where the previous one stopped.
    const labelsOf = (count: number, index: number) => conditioning.labels(count, index * batch);
    const settings = samplerSettings(samplerName, steps, values, 'eval', {
      dataset,
      predicts: generator.model.config.predicts,
      T: generator.sde.T,
    });
    const extractor = own(await loadExtractor(dataset, inception));
    const notes: string[] = [];
    const classifier = await loadClassifier(dataset, extractor, notes);
    if (classifier) own(classifier);
    const log = (message: string) => output.stderr(`${message}\n`);
    const images = await referenceImages(dataset, inception === undefined ? 'domain' : 'inception');
    const reference = await referenceFeatures(images, extractor, { log });
    const training = metrics.includes('nn') ? await trainingImages(dataset) : undefined;

    const averages =
      start === 'class-average'
        ? await loadClassAverages(choice.dir, generator.meta.dataset, 'eval')
        : undefined;
    if (averages) log(`starting from the class averages of ${averages.source}, noised to T`);
    const batches = Math.ceil(n / batch);
    output.stderr(
      `evaluating ${n} samples of ${choice.model ?? choice.dir} with ${samplerName}, ${steps} steps${conditioning.classChoice === null ? '' : `, ${conditioning.description}`} (${generator.usesEma ? 'EMA' : 'trained'} weights of step ${String(generator.meta.step ?? '?')}) in ${batches} batch${batches === 1 ? '' : 'es'} of up to ${batch}\n`,
    );
    let progress: Progress | undefined;
    let generationStartedAt: number | undefined;
    let stepsDone = 0;
    const rng = Rng.fromSeed(seed);
    const source = async (count: number, index: number): Promise<tf.Tensor4D> => {
      generationStartedAt ??= performance.now();
      // Batch `index` continues the class cycle where the previous one stopped.
      const startFrom = averages ? classAverageImages(averages, count, index * batch) : undefined;
      const labels = labelsOf(count, index);
      const generated = await generator
        .generate({
          n: count,
          sampler: samplerName,
          settings,
          rng: rng.split('batch'),
          ...(startFrom ? { startFrom } : {}),
          ...(labels ? { labels, guidance: conditioning.guidance } : {}),
          onStep: (info) => {
            if (context.signal?.aborted) throw new InterruptedError('evaluation interrupted');
            const total = info.total === undefined ? undefined : info.total * batches;
            progress ??= new Progress(output, {
              label: 'eval',
              total,
              startedAt: generationStartedAt,
              every: total === undefined ? 100 : Math.max(1, Math.ceil(total / 20)),
            });
            stepsDone += 1;
            progress.update(stepsDone, { batch: `${index + 1}/${batches}` });
          },
        })
        .finally(() => startFrom?.dispose());
      const pixels = generated.pixels.clone() as tf.Tensor4D;
      generated.dispose();
      return pixels;
    };
    /** The same measurement of n seeded random training images (no nn: they are the training set). */
    const measureFloor = async (): Promise<EvalFigures> => {
      const real = training ?? (await trainingImages(dataset, '--floor', 'drop --floor'));
      if (real.size < n) {
        throw new UsageError(
          `option --floor of 'dale eval' draws n training images: expected --n <= ${real.size}, got ${n}`,
          'eval',
        );
      }
      const order = Rng.fromSeed(seed).split('floor').permutation(real.size);
      let at = 0;
      const realSource = async (count: number): Promise<tf.Tensor4D> => {
        const batchOfImages = real.batch(order.subarray(at, at + count));
        at += count;
        batchOfImages.labels.dispose();
        return batchOfImages.images as tf.Tensor4D;
      };
      output.stderr(`floor: ${n} images of ${real.name}\n`);
      const result = await evaluateSamples({
        source: realSource,
        n,
        batchSize: batch,
        metrics: metrics.filter((m) => m !== 'nn'),
        extractor,
        reference,
        classifier,
      });
      return result.figures;
    };
    // A failure after some batches keeps their figures too: the report is written, then the error
    // is raised as usual.
    let failure: unknown;
    const { figures, sheet, measured } = await evaluateSamples({
      source,
      n,
      batchSize: batch,
      metrics,
      extractor,
      reference,
      classifier,
      training,
      requestedLabels: labelsOf,
      isStop: (error) => {
        if (!(error instanceof InterruptedError)) failure = error;
        return true;
      },
    });
    progress?.done();
    const failed = failure !== undefined;
    const interrupted = measured < n && !failed;
    if (measured < 10_000 && figures.fid !== null) {
      notes.push(
        `FID from ${measured} samples is biased upwards (it falls with n): compare FIDs at equal n`,
      );
    }
    if (interrupted) {
      notes.push(
        `interrupted (${stopName(context.signal)}) after ${measured} of ${n} samples: the figures are those of the ${measured}`,
      );
    }
    if (failed) {
      notes.push(
        `failed after ${measured} of ${n} samples (${failure instanceof Error ? failure.message : String(failure)}): the figures are those of the ${measured}`,
      );
    }
    if (sheetFile !== undefined && sheet) {
      mkdirSync(dirname(sheetFile), { recursive: true });
      await writeFileAtomic(sheetFile, sheet);
    }
    const step = generator.meta.step;
    const reportOf = (floor: EvalFigures | null): EvalReport => ({
      settings: {
        checkpoint: choice.dir,
        model: choice.model,
        dataset,
        step: typeof step === 'number' ? step : null,
        weights: generator.usesEma ? 'ema' : 'trained',
        sampler: samplerName,
        samplerSettings: settings,
        start,
        class: conditioning.classChoice,
        guidance: conditioning.guidance,
        steps,
        n,
        batch,
        seed,
        backend: selection.name,
        device: selection.device,
        metrics,
        extractor: extractor.name,
        featureDim: extractor.featureDim,
        reference: { images: images.name, size: images.size, cached: reference.cached },
        wallTimeSeconds: (performance.now() - startedAt) / 1000,
      },
      ...figures,
      notes: [...figures.notes, ...notes],
      measured,
      status: failed ? 'failed' : interrupted ? 'interrupted' : 'complete',
      classNames: images.classNames,
      sheet: sheetFile ?? null,
      floor,
    });
    const writeReport = async (report: EvalReport) => {
      mkdirSync(dirname(out), { recursive: true });
      await writeFileAtomic(out, new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`));
    };
    // What was measured is on disk before anything else can fail (the floor, a second Ctrl-C).
    await writeReport(reportOf(null));
    if (failed) {
      output.stderr(
        `the evaluation failed after ${measured} of ${n} samples: wrote their figures to ${out}\n`,
      );
      throw failure;
    }
    if (interrupted) {
      output.stdout(formatEvalReport(reportOf(null)));
      output.stderr(
        `interrupted: wrote the figures of ${measured} of ${n} samples to ${out}${sheetFile === undefined ? '' : ` and ${sheetFile}`}\n`,
      );
      return stoppedExitCode(context.signal);
    }
    const floor = values.floor === true ? await measureFloor() : null;
    const report = reportOf(floor);
    if (floor) await writeReport(report);
    output.stdout(formatEvalReport(report));
    output.stdout(
      `wrote ${out}${sheetFile === undefined ? '' : ` and ${sheetFile}`} (${report.settings.wallTimeSeconds.toFixed(1)} s)\n`,
    );
    return EXIT_CODES.ok;
  } finally {
    for (const d of owned) d.dispose();
  }
}

/**
 * `@dale/generate`: generation as a library, the pipeline behind `dale sample` — a checkpoint
 * (a URL, its files as bytes, or loaded) → its SDE, positivity transform and score → a sampler
 * run with progress and snapshots → the samples as pixels or a PNG. Browser-safe: no module
 * reachable from this entry imports a Node built-in, so the same code runs in a web page
 * (`examples/browser`), in Node and in the `dale` command.
 *
 * @example
 * ```ts
 * import { Rng } from '@dale/core';
 * import { loadGenerator, toPng } from '@dale/generate';
 * import { fetchPretrainedModel } from '@dale/pretrained';
 *
 * const generator = await loadGenerator(await fetchPretrainedModel('mnist'), { source: 'mnist' });
 * const run = await generator.generate({
 *   n: 16,
 *   sampler: 'dpm-solver-2m',
 *   settings: { steps: 12 },
 *   labels: Array.from({ length: 16 }, (_, i) => i % 10), // every digit in turn
 *   rng: Rng.fromSeed(0),
 *   onStep: ({ step, total }) => console.log(`${step}/${total}`),
 * });
 * const png = await toPng(run.pixels);
 * run.dispose();
 * generator.dispose();
 * ```
 * @packageDocumentation
 */

export {
  type Generated,
  type GenerateOptions,
  type Generator,
  type GeneratorOptions,
  generatorFromCheckpoint,
  isEvenlySpacedStep,
  type SnapshotOptions,
  type Snapshots,
  type WeightChoice,
} from './generator.ts';
export { defaultGuidance, TRAINED_GUIDANCE } from './guidance.ts';
export {
  type CheckpointSource,
  type FetchOptions,
  fetchCheckpoint,
  loadGenerator,
} from './load.ts';
export { toPng } from './png.ts';

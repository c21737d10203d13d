/**
 * Samples from a checkpoint directory, the part `dale sample` and `dale eval` share: the
 * directory is read with `loadCheckpoint` of `@dale/models/node`, and everything after that — the
 * SDE (`meta.sde`), positivity transform (`meta.transform`) and score, the sampler run, the
 * samples mapped back to pixels — is the browser-safe pipeline of `@dale/generate`.
 * @module
 */
import { type Generator, generatorFromCheckpoint } from '@dale/generate';
import { disposeParams } from '@dale/models';
import { loadCheckpoint } from '@dale/models/node';
import type { WeightChoice } from './generation-options.ts';

export {
  type Generated,
  type GenerateOptions,
  isEvenlySpacedStep,
  type SnapshotOptions,
  type Snapshots,
} from '@dale/generate';

/** A checkpoint directory ready to sample from: {@link loadGenerator}. */
export interface CheckpointGenerator extends Generator {
  /** The checkpoint directory. */
  readonly checkpoint: string;
}

/** Options of {@link loadGenerator}. */
export interface LoadGeneratorOptions {
  /** `'ema'` (default; the trained weights when the checkpoint has no EMA) or `'trained'`. */
  readonly weights?: WeightChoice;
}

/**
 * Load a checkpoint directory (its config and weights; not the optimizer state) and make a
 * generator of it with `generatorFromCheckpoint` of `@dale/generate`.
 */
export async function loadGenerator(
  checkpoint: string,
  options: LoadGeneratorOptions = {},
): Promise<CheckpointGenerator> {
  const loaded = await loadCheckpoint(checkpoint, { optimizer: false });
  try {
    const generator = generatorFromCheckpoint(loaded, { ...options, source: checkpoint });
    return { ...generator, checkpoint };
  } catch (error) {
    disposeParams(loaded.model.params);
    if (loaded.ema) disposeParams(loaded.ema);
    throw error;
  }
}

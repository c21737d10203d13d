/**
 * A tiny untrained MNIST checkpoint for the sample and eval tests: the layout `dale train` writes
 * (U-Net, GBM with the MNIST prior, x ↦ x + 1), with a network small enough to sample in
 * milliseconds per step.
 */
import { geometricSchedule, Rng } from '@dale/core';
import { shiftTransform } from '@dale/data';
import { disposeParams, type JsonValue } from '@dale/models';
import { saveCheckpoint } from '@dale/models/node';
import { GBM, gbm, REFERENCE_PRIORS } from '@dale/sde';
import { buildModel } from '../src/presets.ts';

/** Write the tiny checkpoint to `dir` (of `dataset`'s images, default MNIST) and return `dir`. */
export async function writeTinyCheckpoint(
  dir: string,
  { dataset = 'mnist', shape = [28, 28, 1] as [number, number, number] } = {},
): Promise<string> {
  const model = buildModel(
    {
      baseChannels: 8,
      channelMultipliers: [1, 2],
      resBlocksPerLevel: 1,
      attentionResolutions: [],
      timeEmbedding: 16,
    },
    shape,
    Rng.fromSeed(0),
  );
  await saveCheckpoint(dir, {
    model,
    meta: {
      dataset,
      step: 0,
      sde: gbm({ prior: REFERENCE_PRIORS.mnist }).toJSON() as unknown as JsonValue,
      transform: shiftTransform(1).toJSON() as unknown as JsonValue,
    },
  });
  disposeParams(model.params);
  return dir;
}

/**
 * A tiny untrained class-conditional denoiser checkpoint, the layout of `dale train --preset
 * edm`: 10 classes, the preconditioned log-space denoiser (MNIST's σ_d and μ_d) and the wide
 * GBM (geometric σ, S(T) = 7.6, μ = σ²/2) with its closed-form prior.
 */
export async function writeTinyConditionalCheckpoint(
  dir: string,
  options: { labelDropout?: number } = {},
): Promise<string> {
  const model = buildModel(
    {
      baseChannels: 8,
      channelMultipliers: [1, 2],
      resBlocksPerLevel: 1,
      attentionResolutions: [],
      timeEmbedding: 16,
      classes: 10,
      predicts: 'denoiser',
      inputTransform: 'identity',
      preconditioning: { sigmaData: 0.219, dataMean: 0.095 },
    },
    [28, 28, 1],
    Rng.fromSeed(0),
  );
  const schedule = geometricSchedule({
    sigmaMin: 0.002,
    sigmaMax: 7.6,
    mu: { sigmaSquaredRatio: 0.5 },
  });
  const sde = new GBM({
    schedule,
    prior: { m: 0.095, s: Math.sqrt(0.219 ** 2 + schedule.sigmaSquaredIntegral(1)) },
  });
  await saveCheckpoint(dir, {
    model,
    meta: {
      dataset: 'mnist',
      step: 0,
      sde: sde.toJSON() as unknown as JsonValue,
      transform: shiftTransform(1).toJSON() as unknown as JsonValue,
      // What train() records of a class-conditional run (its label dropout makes guidance usable).
      ...(options.labelDropout !== undefined && {
        train: { conditioning: { classes: 10, dropout: options.labelDropout } },
      }),
    },
  });
  disposeParams(model.params);
  return dir;
}

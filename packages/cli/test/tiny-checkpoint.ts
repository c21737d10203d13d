/**
 * A tiny untrained MNIST checkpoint for the sample and eval tests: the layout `dale train` writes
 * (U-Net, GBM with the MNIST prior, x ↦ x + 1), with a network small enough to sample in
 * milliseconds per step.
 */
import { Rng } from '@dale/core';
import { shiftTransform } from '@dale/data';
import { disposeParams, type JsonValue } from '@dale/models';
import { saveCheckpoint } from '@dale/models/node';
import { gbm, REFERENCE_PRIORS } from '@dale/sde';
import { buildModel } from '../src/index.ts';

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

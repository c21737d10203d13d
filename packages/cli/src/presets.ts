/**
 * The training presets of `dale train` and the U-Net they build.
 * @module
 */
import type { Rng } from '@dale/core';
import { createUnet, UNET_SMALL, type UnetModel } from '@dale/models';
import type { ModelOverrides, TrainSettings } from './config.ts';

/** The preset names of `dale train --preset`. */
export const PRESET_NAMES = ['quick', 'paper', 'edm'] as const;

/** A preset name. */
export type PresetName = (typeof PRESET_NAMES)[number];

/** The seed of every preset: `dale train`'s `--seed` default. */
export const DEFAULT_TRAIN_SEED = 0;

/**
 * `quick`: a small U-Net that trains on a CPU (base 16 channels, multipliers [1, 2, 2], one
 * residual block per level, attention at the lowest resolution, time embedding 64, no dropout),
 * batch 32, Adam 2e-4 with 100 warm-up steps and clipping 1, 2,000 steps; grids from a
 * 100-step Dale–Langevin run.
 */
const QUICK: TrainSettings = {
  steps: 2000,
  batchSize: 32,
  learningRate: 2e-4,
  warmupSteps: 100,
  gradClipNorm: 1,
  emaDecay: 0.999,
  checkpointEvery: 250,
  sampleEvery: 500,
  sampleCount: 16,
  sampleSteps: 100,
  seed: DEFAULT_TRAIN_SEED,
  limit: null,
  logEvery: 50,
  labelDropout: 0,
  model: {
    baseChannels: 16,
    channelMultipliers: [1, 2, 2],
    resBlocksPerLevel: 1,
    timeEmbedding: 64,
    dropout: 0,
  },
};

/**
 * `edm`: the wide-horizon recipe for CPUs (guide: §9) on the `quick` U-Net, class-conditional:
 * S(T) chosen from the data (prior mismatch ≤ 0.1 nats per image), the preconditioned log-space
 * denoiser, ln S ~ N(ln 0.6σ_d, 1.2²) with the matching M-DSM weighting, label dropout 0.1 for
 * classifier-free guidance; batch 32, Adam 4e-4 (500 warm-up steps, clipping 1), EMA 0.999,
 * 30,000 steps; grids from the 18-level Heun sampler (35 evaluations), one class per column.
 */
const EDM: TrainSettings = {
  ...QUICK,
  steps: 30_000,
  learningRate: 4e-4,
  warmupSteps: 500,
  checkpointEvery: 250,
  sampleEvery: 1000,
  sampleCount: 20,
  sampleSteps: 18,
  labelDropout: 0.1,
  model: { ...QUICK.model, predicts: 'denoiser', inputTransform: 'identity' },
};

/**
 * `paper`: `unet-small` (`UNET_SMALL` of @dale/models) with the reference's training settings
 * (MATH.md §8): Adam 1e-4, batch 128, EMA 0.999 for the MNIST family; 2e-4 with 5,000 warm-up
 * steps, clipping 1 and EMA 0.9999 for CIFAR-10. 100,000 steps (dale's choice); grids from a
 * 1000-step Dale–Langevin run (the annealed reference loop ends at t = 0, where the U-Net's
 * noise prediction gives no score).
 */
const PAPER: TrainSettings = {
  steps: 100_000,
  batchSize: 128,
  learningRate: 1e-4,
  warmupSteps: 0,
  gradClipNorm: null,
  emaDecay: 0.999,
  checkpointEvery: 5000,
  sampleEvery: 5000,
  sampleCount: 64,
  sampleSteps: 1000,
  seed: DEFAULT_TRAIN_SEED,
  limit: null,
  logEvery: 100,
  labelDropout: 0,
  model: {},
};

/** The settings of a preset for a dataset (CIFAR-10 changes the paper preset's optimiser). */
export function presetSettings(preset: PresetName, dataset: string): TrainSettings {
  if (preset === 'quick') return QUICK;
  if (preset === 'edm') return EDM;
  return dataset === 'cifar10'
    ? { ...PAPER, learningRate: 2e-4, warmupSteps: 5000, gradClipNorm: 1, emaDecay: 0.9999 }
    : PAPER;
}

/**
 * Build the U-Net for images of shape [H, W, C]: `unet-small`'s fields, then the overrides
 * (the preset's and the config file's). Attention goes to the lowest resolution unless the
 * overrides say otherwise (7×7 for 28×28 images, as in `unet-small`).
 */
export function buildModel(
  overrides: ModelOverrides,
  inputShape: readonly [number, number, number],
  rng: Rng,
): UnetModel {
  const levels = (overrides.channelMultipliers ?? UNET_SMALL.channelMultipliers).length;
  const lowest = inputShape[0] / 2 ** (levels - 1);
  return createUnet(
    {
      ...UNET_SMALL,
      attentionResolutions: Number.isInteger(lowest) ? [lowest] : [],
      ...overrides,
      inputShape,
    },
    rng,
  );
}

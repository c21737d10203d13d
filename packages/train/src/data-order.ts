import { Rng } from '@dale/core';

/**
 * The examples of every training step, derived from the seed and the step alone: epoch
 * e = ⌊step / batchesPerEpoch⌋ visits the data in the order of a permutation seeded by
 * (seed, e), and the last partial batch of an epoch is dropped. Because nothing depends on
 * the history, a resumed run sees exactly the batches an uninterrupted one would.
 */
export class DataOrder {
  readonly size: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly batchesPerEpoch: number;
  #epoch = -1;
  #permutation: Uint32Array = new Uint32Array(0);

  constructor(size: number, batchSize: number, seed: number) {
    this.size = size;
    this.batchSize = batchSize;
    this.seed = seed;
    this.batchesPerEpoch = Math.floor(size / batchSize);
  }

  /** Indices of the examples of step `step` (0-based). */
  indices(step: number): Uint32Array {
    const epoch = Math.floor(step / this.batchesPerEpoch);
    if (epoch !== this.#epoch) {
      this.#permutation = Rng.fromSeed(`${this.seed}:epoch:${epoch}`).permutation(this.size);
      this.#epoch = epoch;
    }
    const start = (step % this.batchesPerEpoch) * this.batchSize;
    return this.#permutation.slice(start, start + this.batchSize);
  }
}

/** The random stream of step `step` (diffusion times, noise, dequantization): a function of (seed, step). */
export function stepRng(seed: number, step: number): Rng {
  return Rng.fromSeed(`${seed}:step:${step}`);
}

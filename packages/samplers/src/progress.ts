import * as tf from '@tensorflow/tfjs-core';
import type { SamplerOptions, StepInfo } from './types.ts';
import { named, requireInteger, requireNonNegative } from './validate.ts';

/** A macrotask boundary: lets timers, I/O and rendering run before the next update. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The bookkeeping every sampler loop shares: counts updates and score evaluations, calls
 * `onStep` (with the current sample on snapshot steps) and yields to the event loop now and
 * then. Custom samplers use it the same way as the built-in ones:
 *
 * ```ts
 * const progress = new ProgressReporter(options, total, 'mySampler');
 * for (...) {
 *   // one update in tf.tidy, then:
 *   await progress.step(t, evaluationsThisStep, () => tf.clone(x));
 * }
 * ```
 */
export class ProgressReporter {
  readonly #onStep: SamplerOptions['onStep'];
  readonly #snapshotEvery: number | undefined;
  readonly #yieldEveryMs: number;
  readonly #total: number | undefined;
  #step = 0;
  #nfe = 0;
  #lastYield = performance.now();

  /**
   * @param options the sampler's options (`onStep`, `snapshotEvery`, `yieldEveryMs` are read)
   * @param total number of updates of the run, or `undefined` if not known in advance
   * @param name the sampler's name, put in front of the messages of option errors
   */
  constructor(
    options: Pick<SamplerOptions, 'onStep' | 'snapshotEvery' | 'yieldEveryMs'>,
    total: number | undefined,
    name?: string,
  ) {
    this.#onStep = options.onStep;
    [this.#snapshotEvery, this.#yieldEveryMs] = named(name, () => [
      options.snapshotEvery === undefined
        ? undefined
        : requireInteger('snapshotEvery', options.snapshotEvery, 1),
      options.yieldEveryMs === undefined
        ? 16
        : requireNonNegative('yieldEveryMs', options.yieldEveryMs),
    ]);
    this.#total = total;
  }

  /** Score evaluations counted so far. */
  get nfe(): number {
    return this.#nfe;
  }

  /** Updates counted so far. */
  get steps(): number {
    return this.#step;
  }

  /**
   * Count one update that reached time `t` with `evaluations` score calls. `current` makes the
   * current sample in ambient coordinates as a new tensor; it is called only on snapshot steps,
   * and the tensor is disposed after `onStep` returns.
   */
  async step(t: number, evaluations: number, current: () => tf.Tensor): Promise<void> {
    this.#step += 1;
    this.#nfe += evaluations;
    if (this.#onStep) {
      const every = this.#snapshotEvery;
      const snapshot =
        every !== undefined && (this.#step % every === 0 || this.#step === this.#total);
      const x = snapshot ? current() : undefined;
      const info: StepInfo = {
        step: this.#step,
        total: this.#total,
        t,
        nfe: this.#nfe,
        ...(x ? { x } : {}),
      };
      try {
        await this.#onStep(info);
      } finally {
        x?.dispose();
      }
    }
    const now = performance.now();
    if (now - this.#lastYield >= this.#yieldEveryMs) {
      await yieldToEventLoop();
      this.#lastYield = performance.now();
    }
  }
}

/** A sample kept by {@link snapshotCollector}. */
export interface Snapshot {
  /** The update after which it was taken. */
  readonly step: number;
  /** The time the sample had reached. */
  readonly t: number;
  /** The sample in ambient coordinates; owned by the caller (dispose it). */
  readonly x: tf.Tensor;
}

/**
 * An `onStep` callback that keeps a copy of every snapshot a sampler hands out. Pass
 * `snapshotEvery` to the sampler as well.
 *
 * @example
 * ```ts
 * const { onStep, snapshots } = snapshotCollector();
 * const x = await daleLangevinSampler(score, sde, { shape, rng, snapshotEvery: 100, onStep });
 * // snapshots[i].x: the chain after snapshots[i].step updates
 * ```
 */
export function snapshotCollector(): {
  onStep: (info: StepInfo) => void;
  snapshots: Snapshot[];
} {
  const snapshots: Snapshot[] = [];
  return {
    snapshots,
    onStep: (info) => {
      if (info.x) snapshots.push({ step: info.step, t: info.t, x: tf.clone(info.x) });
    },
  };
}

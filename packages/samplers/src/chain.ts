/**
 * The loop every chain sampler shares: the start, the grid, progress, snapshots, disposal and
 * yielding to the event loop. A sampler is then its update rule.
 * @module
 */
import type { Rng } from '@dale/core';
import type { ScoreFn, SDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import { ProgressReporter } from './progress.ts';
import { ambientSpace, logSpace, type SamplingSpace } from './space.ts';
import { initialSample } from './start.ts';
import type { SamplerOptions } from './types.ts';
import { named, samplerError } from './validate.ts';

/** One update of a chain: the time it evaluates at, its step size, noise factor a and the point it reaches. */
export interface ChainStep {
  /** The time (or, for the few-step samplers, the noise level) the update starts from. */
  readonly t: number;
  /** The step δ > 0 (t − reached on a grid; a constant for the annealed loops). */
  readonly delta: number;
  /** The noise factor a (0: a noise-free Tweedie step). */
  readonly noiseScale: number;
  /** The point the update reaches (reported to `onStep`, through {@link ChainSpace.timeAt}). */
  readonly reached: number;
}

/**
 * The steps of a sampler on a decreasing grid: step k goes from t_k with δ = t_k − t_{k+1}
 * and reaches t_{k+1}; with `denoiseLast` the last step is noise-free (a = 0).
 */
export function gridSteps(times: ArrayLike<number>, denoiseLast = false): ChainStep[] {
  const steps: ChainStep[] = [];
  for (let k = 0; k + 1 < times.length; k++) {
    steps.push({
      t: times[k]!,
      delta: times[k]! - times[k + 1]!,
      noiseScale: denoiseLast && k + 2 === times.length ? 0 : 1,
      reached: times[k + 1]!,
    });
  }
  return steps;
}

/**
 * The coordinates a chain's state lives in: how to enter them from data coordinates and leave
 * them again. {@link SamplingSpace} (`ambientSpace`, `logSpace`) is one; the few-step samplers use
 * a {@link LogDenoiser}, whose state u = log x − m(t) leaves at a noise level.
 */
export interface ChainSpace {
  /** Ambient x → state (a new tensor). */
  enter(x: tf.Tensor): tf.Tensor;
  /** State → ambient x at the grid point `at` the state has reached (a new tensor). */
  leave(state: tf.Tensor, at: number): tf.Tensor;
  /** The state after an update, kept where it is representable; default: as it is. */
  keep?(state: tf.Tensor): tf.Tensor;
  /** The diffusion time of a grid point, reported to `onStep`; default: the point itself. */
  timeAt?(point: number): number;
}

/** What a step function gets besides the state and the two grid points. */
export interface StepContext<Sp extends ChainSpace = SamplingSpace> {
  /** The score the sampler was called with. */
  readonly score: ScoreFn;
  /** The SDE the sampler was called with. */
  readonly sde: SDE;
  /** The random stream (`options.rng`): draw all noise from it, in a fixed order. */
  readonly rng: Rng;
  /** The chain's coordinates: for `'ambient'` and `'log'`, `space.reverse` is the reverse SDE there (guide: M7, M7'). */
  readonly space: Sp;
  /** The whole step: `delta` and the noise factor `noiseScale` (annealed loops: δ is not t − tNext). */
  readonly step: ChainStep;
  /** 0-based index of the update. */
  readonly index: number;
  /** The tensors the previous update carried (see {@link StepResult}); empty on the first. */
  readonly carry: readonly tf.Tensor[];
}

/**
 * What a step function returns: the next state, or the next state with tensors to carry to the
 * next update (the history of a multistep method, the last stage of RK45), which the loop keeps
 * and disposes. An update of an adaptive chain (`span`) also says the time it `reached`.
 */
export type StepResult =
  | tf.Tensor
  | {
      readonly x: tf.Tensor;
      readonly carry?: tf.Tensor[];
      /**
       * The time the update reached: needed in an adaptive chain ({@link ChainDefinition.span}),
       * where it lies in [`to`, t) and the chain ends when it is `to`; ignored on a grid.
       */
      readonly reached?: number;
      /** The score evaluations the update took, for `info.nfe`; default: `definition.evaluations`. */
      readonly evaluations?: number;
    };

/**
 * One update of a chain from `t` to `tNext` (in forward notation: tNext < t, except in the
 * annealed loops, where both are the level and `context.step.delta` is the step). It runs inside
 * `tf.tidy`: intermediate tensors need no disposing, and the input state is disposed by the loop.
 */
export type StepFn<Sp extends ChainSpace = SamplingSpace> = (
  x: tf.Tensor,
  t: number,
  tNext: number,
  context: StepContext<Sp>,
) => StepResult;

/** A chain sampler's definition for {@link runChain}. Give exactly one of `times`, `steps` and `span`. */
export interface ChainDefinition<Sp extends ChainSpace = SamplingSpace> {
  /** The sampler's name, for error messages. */
  readonly name: string;
  /**
   * The state's coordinates: `'ambient'` (default; {@link ambientSpace}), `'log'`
   * ({@link logSpace}: y = log x, clipped to the float32 range; needs a positive SDE) or any
   * {@link ChainSpace}.
   */
  readonly space?: 'ambient' | 'log' | Sp;
  /** A decreasing grid t₀ > … > t_N (for example from `resolveGrid`): N updates from t_k to t_{k+1}. */
  readonly times?: ArrayLike<number>;
  /** The updates as a list (for example from `gridSteps` or `annealedSteps`). */
  readonly steps?: readonly ChainStep[];
  /**
   * An adaptive chain from `from` down to `to` (`from` > `to`), whose updates choose their own
   * steps (an adaptive ODE solver): each is called with the time reached so far and `to`, its
   * `context.step` spans the rest of the way, and it returns the time it `reached`; the chain ends
   * at `to`. The number of updates is not known in advance (`info.total` is undefined).
   */
  readonly span?: { readonly from: number; readonly to: number };
  /** Score evaluations per update, for `info.nfe`; a number (default 1) or one per step. */
  readonly evaluations?: number | ((step: ChainStep, index: number) => number);
  /** The update rule. */
  readonly step: StepFn<Sp>;
}

/**
 * Run a chain sampler: draw the start (`options.shape` from the prior, `init` or `initFrom`),
 * enter the chain's coordinates, apply `definition.step` along the grid (or, in an adaptive
 * chain, until it reaches `span.to`) — each update in `tf.tidy`, the previous state disposed,
 * `onStep` called with snapshots every `options.snapshotEvery` updates, the event loop given a
 * turn every `options.yieldEveryMs` — and return the result in ambient coordinates. Every
 * built-in sampler is one call of it.
 *
 * @example
 * ```ts
 * // Dale–Langevin (guide: M8): Euler–Maruyama in log space.
 * const sampler: Sampler<GridSamplerOptions> = (score, sde, options) =>
 *   runChain(score, sde, options, {
 *     name: 'mySampler',
 *     space: 'log',
 *     times: resolveGrid(sde, options, 'mySampler'),
 *     step: (y, t, s, { space, rng }) =>
 *       eulerMaruyamaStep(space.reverse, y, t, t - s, randomNormal(rng, y.shape)),
 *   });
 * ```
 */
export function runChain(
  score: ScoreFn,
  sde: SDE,
  options: SamplerOptions,
  definition: ChainDefinition<SamplingSpace> & { readonly space?: 'ambient' | 'log' },
): Promise<tf.Tensor>;
/** A chain in coordinates of its own (a {@link ChainSpace} such as a {@link LogDenoiser}). */
export function runChain<Sp extends ChainSpace>(
  score: ScoreFn,
  sde: SDE,
  options: SamplerOptions,
  definition: ChainDefinition<Sp> & { readonly space: Sp },
): Promise<tf.Tensor>;
export async function runChain<Sp extends ChainSpace>(
  score: ScoreFn,
  sde: SDE,
  options: SamplerOptions,
  definition: ChainDefinition<Sp>,
): Promise<tf.Tensor> {
  return named(definition.name, () => chain(score, sde, options, definition));
}

async function chain<Sp extends ChainSpace>(
  score: ScoreFn,
  sde: SDE,
  options: SamplerOptions,
  definition: ChainDefinition<Sp>,
): Promise<tf.Tensor> {
  const { evaluations = 1 } = definition;
  const plan = chainPlan(definition);
  const space = chainSpace(score, sde, definition);
  const progress = new ProgressReporter(options, plan.steps?.length);
  const start = initialSample(sde, options);
  let state: tf.Tensor;
  try {
    state = space.enter(start);
  } finally {
    start.dispose();
  }
  let carry: tf.Tensor[] = [];
  const count = typeof evaluations === 'number' ? () => evaluations : evaluations;
  // An adaptive chain's time so far; a grid's steps are listed.
  let time = plan.from ?? 0;
  try {
    for (let index = 0; ; index++) {
      let step: ChainStep;
      if (plan.steps) {
        if (index === plan.steps.length) break;
        step = plan.steps[index]!;
      } else {
        if (time === plan.to) break;
        step = { t: time, delta: time - plan.to, noiseScale: 1, reached: plan.to };
      }
      const current = state;
      const context: StepContext<Sp> = { score, sde, rng: options.rng, space, step, index, carry };
      let reached: number | undefined;
      let took: number | undefined;
      const result = tf.tidy(() => {
        const out = definition.step(current, step.t, step.reached, context);
        if (out instanceof tf.Tensor) return { x: space.keep ? space.keep(out) : out, carry: [] };
        ({ reached, evaluations: took } = out);
        return { x: space.keep ? space.keep(out.x) : out.x, carry: out.carry ?? [] };
      });
      current.dispose();
      for (const tensor of carry) tensor.dispose();
      state = result.x;
      carry = result.carry;
      const point = plan.steps ? step.reached : adaptiveReached(reached, step.t, plan.to);
      time = point;
      const next = state;
      const at = space.timeAt ? space.timeAt(point) : point;
      await progress.step(at, took ?? count(step, index), () => space.leave(next, point));
    }
    return space.leave(state, plan.steps ? plan.steps.at(-1)!.reached : plan.to);
  } finally {
    state.dispose();
    for (const tensor of carry) tensor.dispose();
  }
}

/** A chain's updates: listed (a grid or a list), or adaptive from `from` to `to`. */
type ChainPlan =
  | { readonly steps: readonly ChainStep[]; readonly from?: undefined; readonly to?: undefined }
  | { readonly steps?: undefined; readonly from: number; readonly to: number };

function chainPlan(definition: Pick<ChainDefinition, 'times' | 'steps' | 'span'>): ChainPlan {
  const { times, steps, span } = definition;
  const given = [times, steps, span].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw samplerError(
      'a chain needs exactly one of times (a grid), steps (a list of updates) and span (an adaptive chain)',
      'invalid-sampler',
    );
  }
  if (span) {
    const { from, to } = span;
    if (!(Number.isFinite(from) && Number.isFinite(to) && from > to)) {
      throw samplerError(
        `an adaptive chain's span needs finite times from > to, got from ${from} and to ${to}`,
        'invalid-sampler',
      );
    }
    return { from, to };
  }
  const list = steps ?? gridSteps(times!);
  if (list.length === 0) throw samplerError('a chain needs at least one update');
  return { steps: list };
}

/** The time an update of an adaptive chain reached, checked: in [to, t). */
function adaptiveReached(reached: number | undefined, t: number, to: number): number {
  if (!(typeof reached === 'number' && reached >= to && reached < t)) {
    throw samplerError(
      `an update of an adaptive chain must return the time it reached, in [${to}, ${t}), got ${reached}`,
      'invalid-sampler',
    );
  }
  return reached;
}

function chainSpace<Sp extends ChainSpace>(
  score: ScoreFn,
  sde: SDE,
  definition: ChainDefinition<Sp>,
): Sp {
  const { space = 'ambient' } = definition;
  if (space === 'ambient') return ambientSpace(score, sde) as unknown as Sp;
  if (space === 'log') return logSpace(score, sde) as unknown as Sp;
  return space;
}

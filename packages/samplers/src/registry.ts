import { createRegistry, DaleError, type RegisterOptions } from '@dale/core';
import type { ScoreFn, SDE } from '@dale/sde';
import type * as tf from '@tensorflow/tfjs-core';
import {
  type AnnealedSamplerOptions,
  annealedDaleLangevinSampler,
  annealedSignAgnosticSampler,
} from './annealed.ts';
import { dpmSolverSampler } from './dpm-solver.ts';
import { edmSampler, type FewStepOptions, type HeunOptions, heunSampler } from './heun.ts';
import {
  daleLangevinSampler,
  eulerMaruyamaSampler,
  type GridSamplerOptions,
  signAgnosticSampler,
} from './multiplicative.ts';
import {
  type PredictorCorrectorOptions,
  predictorCorrectorSampler,
} from './predictor-corrector.ts';
import { type ProbabilityFlowOptions, probabilityFlowSampler } from './probability-flow.ts';
import type { Sampler, SamplerOptions } from './types.ts';

/**
 * The options type of each sampler registered by name, for the typed {@link getSampler}. Register
 * your own with declaration merging, so that `getSampler('my-sampler')` is typed too:
 *
 * ```ts
 * declare module '@dale/samplers' {
 *   interface SamplerOptionsByName {
 *     'my-sampler': GridSamplerOptions;
 *   }
 * }
 * ```
 */
export interface SamplerOptionsByName {
  'sign-agnostic': GridSamplerOptions;
  'dale-langevin': GridSamplerOptions;
  'annealed-sign-agnostic': AnnealedSamplerOptions;
  'annealed-dale-langevin': AnnealedSamplerOptions;
  'predictor-corrector': PredictorCorrectorOptions;
  'probability-flow': ProbabilityFlowOptions;
  'euler-maruyama': GridSamplerOptions;
  heun: HeunOptions;
  edm: HeunOptions;
  'dpm-solver-2m': FewStepOptions;
}

/**
 * A sampler looked up by a name whose options type is not known statically: it accepts the
 * common {@link SamplerOptions} plus any sampler-specific ones, in an object literal or a
 * variable of any options type (the sampler checks them when it runs).
 */
export type AnySampler = <O extends SamplerOptions>(
  score: ScoreFn,
  sde: SDE,
  options: O,
) => Promise<tf.Tensor>;

const samplers = createRegistry<AnySampler>({
  what: 'sampler',
  invalidCode: 'invalid-sampler-name',
  duplicateCode: 'duplicate-sampler',
  namePattern: /^[a-z0-9][a-z0-9-]*$/,
  nameRule: "lower-case letters, digits and hyphens (e.g. 'my-sampler')",
});

/** A sampler as the registry holds it: its own options are checked when it runs. */
function registered(sampler: unknown): AnySampler {
  return sampler as AnySampler;
}

const builtIn: { [N in keyof SamplerOptionsByName]: Sampler<SamplerOptionsByName[N]> } = {
  'sign-agnostic': signAgnosticSampler,
  'dale-langevin': daleLangevinSampler,
  'annealed-sign-agnostic': annealedSignAgnosticSampler,
  'annealed-dale-langevin': annealedDaleLangevinSampler,
  'predictor-corrector': predictorCorrectorSampler,
  'probability-flow': probabilityFlowSampler,
  'euler-maruyama': eulerMaruyamaSampler,
  heun: heunSampler,
  edm: edmSampler,
  'dpm-solver-2m': dpmSolverSampler,
};
for (const [name, sampler] of Object.entries(builtIn)) samplers.register(name, registered(sampler));

/**
 * Make a sampler available by name (for the `dale sample --sampler <name>` command and
 * {@link getSampler}). Names are lower-case words joined by hyphens; a name taken by a different
 * sampler throws unless `{ replace: true }` (`createRegistry`'s convention of `@dale/core`).
 * Returns a function that unregisters it.
 *
 * @example
 * ```ts
 * const unregister = registerSampler('my-sampler', async (score, sde, options) => { ... });
 * const x = await getSampler('my-sampler')(score, sde, { shape: [16, 2], rng });
 * unregister();
 * ```
 */
export function registerSampler<O extends SamplerOptions>(
  name: string,
  sampler: Sampler<O>,
  options: RegisterOptions = {},
): () => void {
  if (typeof sampler !== 'function') {
    throw new DaleError(
      'invalid-sampler',
      `registerSampler: '${name}' must be a function (score, sde, options) => Promise<Tensor>, got ${typeof sampler}`,
    );
  }
  return samplers.register(name, registered(sampler), options);
}

/**
 * The sampler registered under `name`; throws an error listing the registered names if there is
 * none. For the names of {@link SamplerOptionsByName} it is typed with the sampler's own options;
 * for any other name it accepts the common options plus its own (checked when it runs).
 */
export function getSampler<N extends keyof SamplerOptionsByName>(
  name: N,
): Sampler<SamplerOptionsByName[N]>;
export function getSampler(name: string): AnySampler;
export function getSampler(name: string): AnySampler {
  const sampler = samplers.get(name);
  if (!sampler) {
    throw new DaleError(
      'unknown-sampler',
      `getSampler: no sampler named ${JSON.stringify(name)}; registered samplers: ${listSamplers().join(', ')}`,
    );
  }
  return sampler;
}

/** The names of all registered samplers, sorted. */
export function listSamplers(): string[] {
  return samplers.names().sort();
}

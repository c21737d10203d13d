import { DaleError } from '@dale/core';
import { annealedDaleLangevinSampler, annealedSignAgnosticSampler } from './annealed.ts';
import { dpmSolverSampler } from './dpm-solver.ts';
import { edmSampler, heunSampler } from './heun.ts';
import {
  daleLangevinSampler,
  eulerMaruyamaSampler,
  signAgnosticSampler,
} from './multiplicative.ts';
import { predictorCorrectorSampler } from './predictor-corrector.ts';
import { probabilityFlowSampler } from './probability-flow.ts';
import type { AnySamplerOptions, Sampler, SamplerOptions } from './types.ts';

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** A sampler as the registry holds it: its own options are checked when it runs. */
type RegisteredSampler = Sampler<AnySamplerOptions>;

function registered<O extends SamplerOptions>(sampler: Sampler<O>): RegisteredSampler {
  return sampler as unknown as RegisteredSampler;
}

const samplers = new Map<string, RegisteredSampler>([
  ['sign-agnostic', signAgnosticSampler],
  ['dale-langevin', daleLangevinSampler],
  ['annealed-sign-agnostic', registered(annealedSignAgnosticSampler)],
  ['annealed-dale-langevin', registered(annealedDaleLangevinSampler)],
  ['predictor-corrector', predictorCorrectorSampler],
  ['probability-flow', probabilityFlowSampler],
  ['euler-maruyama', eulerMaruyamaSampler],
  ['heun', heunSampler],
  ['edm', edmSampler],
  ['dpm-solver-2m', dpmSolverSampler],
]);

/**
 * Make a sampler available by name (for the `dale sample --sampler <name>` command and
 * {@link getSampler}). Names are lower-case words joined by hyphens; registering a taken name
 * throws unless `replace` is true.
 *
 * @example
 * ```ts
 * registerSampler('my-sampler', async (score, sde, options) => { ... });
 * const x = await getSampler('my-sampler')(score, sde, { shape: [16, 2], rng });
 * ```
 */
export function registerSampler<O extends SamplerOptions>(
  name: string,
  sampler: Sampler<O>,
  options: { replace?: boolean } = {},
): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new DaleError(
      'invalid-sampler-name',
      `registerSampler: name must be lower-case letters, digits and hyphens (e.g. 'my-sampler'), got ${JSON.stringify(name)}`,
    );
  }
  if (typeof sampler !== 'function') {
    throw new DaleError(
      'invalid-sampler',
      `registerSampler: '${name}' must be a function (score, sde, options) => Promise<Tensor>, got ${typeof sampler}`,
    );
  }
  if (samplers.has(name) && !options.replace) {
    throw new DaleError(
      'duplicate-sampler',
      `registerSampler: a sampler named '${name}' is already registered; pass { replace: true } to replace it`,
    );
  }
  samplers.set(name, registered(sampler));
}

/**
 * The sampler registered under `name`; throws an error listing the registered names if there is
 * none. It accepts the common options plus its own (checked when it runs).
 */
export function getSampler(name: string): Sampler<AnySamplerOptions> {
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
  return [...samplers.keys()].sort();
}

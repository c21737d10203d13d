import type { Rng } from '@dale/core';
import type { SDE } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';
import type { StartOptions } from './types.ts';
import { named, samplerError } from './validate.ts';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The state x_T a chain starts from, as a new tensor the caller owns: `init` (copied), or
 * `initFrom` noised to t = T (`sde.sampleMarginal`), or a prior draw of `shape`
 * (`sde.priorSample`). `name` (a custom sampler's) goes in front of the messages of its errors.
 */
export function initialSample(
  sde: SDE,
  options: StartOptions & { rng: Rng },
  name?: string,
): tf.Tensor {
  return named(name, () => start(sde, options));
}

function start(sde: SDE, options: StartOptions & { rng: Rng }): tf.Tensor {
  const { shape, init, initFrom, rng } = options;
  if (init && initFrom) {
    throw samplerError(
      'give at most one of init (a start at t = T) and initFrom (data to noise to t = T), got both',
    );
  }
  const given = init ?? initFrom;
  if (given) {
    if (shape && !sameShape(shape, given.shape)) {
      throw samplerError(
        `shape [${shape.join(', ')}] does not match the shape of ${init ? 'init' : 'initFrom'} [${given.shape.join(', ')}]`,
      );
    }
    if (init) return tf.clone(init);
    const { xt, noise } = sde.sampleMarginal(given, sde.T, rng);
    noise?.dispose();
    return xt;
  }
  if (!shape || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw samplerError(
      `shape must be a non-empty list of positive integers (or give init / initFrom), got ${shape ? `[${shape.join(', ')}]` : 'undefined'}`,
    );
  }
  return sde.priorSample(shape, rng);
}

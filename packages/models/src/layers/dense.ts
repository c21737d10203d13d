/**
 * The dense (fully connected, linear) layer y = x W + b as a pure function of its parameters.
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import type { TensorsOf } from '../params.ts';
import { type Initializer, initVariable } from './init.ts';

/**
 * Parameters of a dense layer: `weight` of shape [in, out] (TensorFlow's layout; PyTorch's
 * `nn.Linear` stores its transpose) and `bias` of shape [out].
 */
export type DenseParams = {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
};

/** Options of {@link initDense}. */
export interface DenseInitOptions {
  /** Weight initialiser; default `'glorot-uniform'`. The bias starts at zero. */
  readonly init?: Initializer;
  /** Factor applied to the initial weights (e.g. a small value for an output layer); default 1. */
  readonly scale?: number;
}

/** New parameters of a dense layer from `inputs` to `outputs` features, drawn from `rng`. */
export function initDense(
  rng: Rng,
  inputs: number,
  outputs: number,
  options: DenseInitOptions = {},
): DenseParams {
  const fans = { fanIn: inputs, fanOut: outputs };
  return {
    weight: initVariable(
      rng,
      [inputs, outputs],
      options.init ?? 'glorot-uniform',
      fans,
      options.scale,
    ),
    bias: initVariable(rng, [outputs], 'zeros', fans),
  };
}

/**
 * y = x W + b over the last axis: x of shape [..., in] gives y of shape [..., out] (any leading
 * axes, e.g. [B, in] or [B, H·W, in]).
 */
export function dense(params: TensorsOf<DenseParams>, x: tf.Tensor): tf.Tensor {
  const { weight, bias } = params;
  const inputs = weight.shape[0]!;
  if (x.rank < 1 || x.shape[x.rank - 1] !== inputs) {
    throw new DaleError(
      'invalid-input',
      `dense: the input's last axis must have ${inputs} features, got shape [${x.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    if (x.rank === 2) return tf.add(tf.matMul(x, weight), bias);
    const lead = x.shape.slice(0, -1);
    const flat = tf.reshape(x, [-1, inputs]);
    return tf.reshape(tf.add(tf.matMul(flat, weight), bias), [...lead, weight.shape[1]!]);
  });
}

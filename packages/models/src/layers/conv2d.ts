/**
 * The 2-D convolution layer on NHWC images with 'same' padding, as a pure function of its
 * parameters.
 * @module
 */
import { DaleError, type Rng } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import type { TensorsOf } from '../params.ts';
import { type Initializer, initVariable } from './init.ts';

/**
 * Parameters of a k×k convolution: `kernel` of shape [k, k, cᵢₙ, cₒᵤₜ] (TensorFlow's HWIO layout;
 * PyTorch's `nn.Conv2d` stores it as OIHW) and `bias` of shape [cₒᵤₜ].
 */
export type Conv2dParams = {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
};

/** Options of {@link initConv2d}. */
export interface Conv2dInitOptions {
  /** Kernel initialiser with fans k²·cᵢₙ and k²·cₒᵤₜ; default `'glorot-uniform'`. The bias starts at zero. */
  readonly init?: Initializer;
  /** Factor applied to the initial kernel (e.g. a small value for an output layer); default 1. */
  readonly scale?: number;
}

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Stride along both spatial axes; default 1. */
  readonly stride?: number;
}

/**
 * New parameters of a `size`×`size` convolution from `inputs` to `outputs` channels, drawn from
 * `rng`. `size` must be odd (so that 'same' padding is symmetric).
 */
export function initConv2d(
  rng: Rng,
  size: number,
  inputs: number,
  outputs: number,
  options: Conv2dInitOptions = {},
): Conv2dParams {
  if (!Number.isInteger(size) || size < 1 || size % 2 !== 1) {
    throw new DaleError(
      'invalid-model-config',
      `conv2d: the kernel size must be an odd integer ≥ 1, got ${size}`,
    );
  }
  const fans = { fanIn: size * size * inputs, fanOut: size * size * outputs };
  return {
    kernel: initVariable(
      rng,
      [size, size, inputs, outputs],
      options.init ?? 'glorot-uniform',
      fans,
      options.scale,
    ),
    bias: initVariable(rng, [outputs], 'zeros', fans),
  };
}

/**
 * y = x ⋆ K + b for x of shape [B, H, W, cᵢₙ]: (k − 1)/2 zeros are padded on every side (as
 * PyTorch's `padding=k//2`), so the output is [B, ⌈H/s⌉, ⌈W/s⌉, cₒᵤₜ] for stride s. (TensorFlow's
 * `'same'` gives the same size but pads asymmetrically for even inputs at stride 2; symmetric
 * padding keeps checkpoints portable to PyTorch.)
 */
export function conv2d(
  params: TensorsOf<Conv2dParams>,
  x: tf.Tensor,
  options: Conv2dOptions = {},
): tf.Tensor4D {
  const { kernel, bias } = params;
  const [size, , inputs] = kernel.shape as [number, number, number, number];
  const stride = options.stride ?? 1;
  if (x.rank !== 4 || x.shape[3] !== inputs) {
    throw new DaleError(
      'invalid-input',
      `conv2d: the input must have shape [batch, height, width, ${inputs}], got [${x.shape.join(', ')}]`,
    );
  }
  if (!Number.isInteger(stride) || stride < 1) {
    throw new DaleError('invalid-input', `conv2d: stride must be an integer ≥ 1, got ${stride}`);
  }
  return tf.tidy(() =>
    tf.add(tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, stride, (size - 1) / 2), bias),
  );
}

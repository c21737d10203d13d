/**
 * `Identity` without a copy. TensorFlow.js 4.22's wasm `Identity` copies the tensor's bytes, and
 * its engine calls `Identity` to keep every tensor a gradient needs (about 1,500 copies in one
 * training step of unet-small, ~6% of the step). Tensors are immutable (a `Variable.assign`
 * swaps its data rather than writing into it), so sharing the data, as the wasm `Reshape` kernel
 * already does, is safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, type KernelArgs } from './wasm-heap.ts';

function identity({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  asWasm(backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** The shared-data `Identity` for `wasm`. */
export const identityConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as tf.KernelFunc,
};

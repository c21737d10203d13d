/**
 * The kernels that TensorFlow.js 4.22's `wasm` backend lacks for training convolutional networks
 * (U-Nets included), plus a faster `Conv2DBackpropInput`, and the function that registers them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMulConfig, builtInBatchMatMul } from './kernels/batch-mat-mul.ts';
import { nativeConvThreads, useNativeConv } from './kernels/conv-native-kernels.ts';
import { builtInConv2D, conv2DConfig } from './kernels/conv2d.ts';
import { conv2DBackpropFilterConfig } from './kernels/conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './kernels/conv2d-backprop-input.ts';
import {
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
} from './kernels/depthwise-backprop.ts';
import { groupNormConfig, groupNormGradConfig, useGroupNormSimd } from './kernels/group-norm.ts';
import { identityConfig } from './kernels/identity.ts';
import { resizeNearestNeighborGradConfig } from './kernels/resize-nearest-neighbor-grad.ts';
import { builtInSum, sumConfig } from './kernels/sum.ts';
import { unsortedSegmentSumConfig } from './kernels/unsorted-segment-sum.ts';

const configs: readonly tf.KernelConfig[] = [
  conv2DConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  unsortedSegmentSumConfig,
  resizeNearestNeighborGradConfig,
  identityConfig,
  batchMatMulConfig,
  sumConfig,
  groupNormConfig,
  groupNormGradConfig,
];

/**
 * Names of the kernels that {@link registerWasmTrainingKernels} registers for `wasm`:
 * `Conv2D` (large NHWC convolutions on dale's relaxed-SIMD kernels, the rest on XNNPACK),
 * `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropInput` and `UnsortedSegmentSum` (missing from TensorFlow.js 4.22's
 * wasm backend), `Conv2DBackpropInput` (replacing the built-in one, about 10× slower than the forward convolution),
 * `ResizeNearestNeighborGrad` (replacing the built-in one, wrong for non-square images),
 * `Identity` (sharing the data instead of copying it), `BatchMatMul` (transposed and batched
 * products through XNNPACK instead of a scalar loop), `Sum` (over leading axes without a transpose) and `@dale/core`'s fused group norm
 * `DaleGroupNorm` / `DaleGroupNormGrad` (WebAssembly SIMD).
 */
export const WASM_TRAINING_KERNELS: readonly string[] = configs.map((c) => c.kernelName);

/**
 * Registers {@link WASM_TRAINING_KERNELS} for the `wasm` backend, so that convolutional networks
 * can be trained on it (`tf.grads`, `tf.variableGrads`, optimizers). It first imports
 * `@tensorflow/tfjs-backend-wasm` (whose own registrations would otherwise override ours); calling
 * it again does nothing. The `wasm` plugin's `init` calls it, so `useBackend('wasm')` is enough;
 * call it yourself only when selecting the backend with `tf.setBackend('wasm')` directly.
 */
export async function registerWasmTrainingKernels(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  await useGroupNormSimd();
  const threads = nativeConvThreads();
  if (threads > 0) await useNativeConv(threads);
  builtInBatchMatMul.capture();
  builtInSum.capture();
  builtInConv2D.capture();
  for (const config of configs) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
}

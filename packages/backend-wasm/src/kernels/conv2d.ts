/**
 * `Conv2D` for the `wasm` backend: NHWC convolutions with an output of at least
 * `nativeConvThresholds.forwardPixels` pixels and a multiple of 4 channels run on our relaxed-SIMD
 * kernels (native/conv.c, two threads); every other case, and every call where the kernels did
 * not load, goes to TensorFlow.js's XNNPACK convolution.
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeConv2D } from './conv-native-kernels.ts';
import { asWasm, builtInKernel, type HeapTensor, type KernelArgs } from './wasm-heap.ts';

function conv2D(args: KernelArgs): tf.TensorInfo {
  const { x, filter } = args.inputs as { x: HeapTensor; filter: HeapTensor };
  const attrs = args.attrs as unknown as tf.Conv2DAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const ours =
    x.dtype === 'float32' ? nativeConv2D(asWasm(args.backend), x, filter, info) : undefined;
  return ours ?? builtInConv2D.run(args);
}

/** Our `Conv2D` for `wasm`; `builtInConv2D.capture()` must run before it is registered. */
export const conv2DConfig: tf.KernelConfig = {
  kernelName: tf.Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2D as unknown as tf.KernelFunc,
};

/** The built-in (XNNPACK) `Conv2D`, for the cases our kernels leave alone. */
export const builtInConv2D = builtInKernel(conv2DConfig);

/**
 * `DepthwiseConv2dNativeBackpropFilter` and `DepthwiseConv2dNativeBackpropInput` for the `wasm`
 * backend (TensorFlow.js 4.22 has neither): the gradients of a depthwise 2-D convolution (NHWC,
 * channel multiplier M, strides, dilations, any padding). With output channel q = c·M + m and input
 * pixel (iy, ix) = (oy·sh + kh·dh − top, ox·sw + kw·dw − left),
 *
 *   dW[kh, kw, c, m] = Σ_{b, oy, ox} x[b, iy, ix, c] · dy[b, oy, ox, q],
 *   dx[b, iy, ix, c] = Σ_{oy, ox, kh, kw, m} w[kh, kw, c, m] · dy[b, oy, ox, q].
 *
 * Each output position does only KH·KW·C·M multiply-adds, so a direct loop nest over the heap
 * (contiguous in c and m) is used rather than matrix products.
 */
import * as tf from '@tensorflow/tfjs-core';
import { allocate, asWasm, f32, type KernelArgs } from './wasm-heap.ts';

/**
 * Visits every (output position, filter tap) pair whose input pixel lies inside the image, with the
 * flat offsets of the dy row (channel 0), of the x pixel (channel 0) and of the filter tap.
 */
function forEachTap(
  info: tf.backend_util.Conv2DInfo,
  visit: (dyAt: number, xAt: number, filterAt: number) => void,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } =
    info;
  const { top, left } = info.padInfo;
  const tapSize = outChannels; // C·M filter entries per (kh, kw)
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyAt = ((b * outHeight + oy) * outWidth + ox) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const iy = oy * strideHeight + kh * dilationHeight - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const ix = ox * strideWidth + kw * dilationWidth - left;
            if (ix < 0 || ix >= inWidth) continue;
            visit(
              dyAt,
              ((b * inHeight + iy) * inWidth + ix) * inChannels,
              (kh * filterWidth + kw) * tapSize,
            );
          }
        }
      }
    }
  }
}

function depthwiseBackpropFilter({ inputs, backend: kernelBackend, attrs }: KernelArgs) {
  const backend = asWasm(kernelBackend);
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const channels = info.inChannels;
  const multiplier = info.outChannels / channels;
  const acc = new Float64Array(tf.util.sizeFromShape(filterShape));
  const out = allocate(backend, filterShape);
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  forEachTap(info, (dyAt, xAt, filterAt) => {
    let q = 0;
    for (let c = 0; c < channels; c++) {
      const xc = xv[xAt + c]!;
      for (let m = 0; m < multiplier; m++, q++) acc[filterAt + q]! += xc * dyv[dyAt + q]!;
    }
  });
  f32(backend, out).set(acc);
  return out;
}

function depthwiseBackpropInput({ inputs, backend: kernelBackend, attrs }: KernelArgs) {
  const backend = asWasm(kernelBackend);
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const channels = info.inChannels;
  const multiplier = info.outChannels / channels;
  const acc = new Float64Array(tf.util.sizeFromShape(inputShape));
  const out = allocate(backend, inputShape);
  const wv = f32(backend, filter);
  const dyv = f32(backend, dy);
  forEachTap(info, (dyAt, xAt, filterAt) => {
    let q = 0;
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let m = 0; m < multiplier; m++, q++) sum += wv[filterAt + q]! * dyv[dyAt + q]!;
      acc[xAt + c]! += sum;
    }
  });
  f32(backend, out).set(acc);
  return out;
}

/** The `DepthwiseConv2dNativeBackpropFilter` kernel for the `wasm` backend. */
export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter as unknown as tf.KernelFunc,
};

/** The `DepthwiseConv2dNativeBackpropInput` kernel for the `wasm` backend. */
export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput as unknown as tf.KernelFunc,
};

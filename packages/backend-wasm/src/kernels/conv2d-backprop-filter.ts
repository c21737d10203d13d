/**
 * `Conv2DBackpropFilter` for the `wasm` backend (TensorFlow.js 4.22 has none): the gradient of a
 * 2-D convolution with respect to its filter,
 *
 *   dW[kh, kw, ci, co] = Σ_{b, oy, ox} x[b, oy·sh + kh − top, ox·sw + kw − left, ci] · dy[b, oy, ox, co],
 *
 * computed, for stride-1 NHWC convolutions, as one forward convolution (stride-one-backprop.ts) and
 * otherwise as one matrix product per chunk of output positions: patchesᵀ [KH·KW·Cin, rows] · dy
 * [rows, Cout] (a transposed im2col, built in JavaScript straight from the heap) by the backend's
 * XNNPACK `BatchMatMul`, accumulated in float64 across chunks. The small dy chunk is the right-hand
 * operand because XNNPACK repacks that operand on every call.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backpropConvInfo, convStrides } from './conv-geometry.ts';
import { nativeBackpropFilter } from './conv-native-kernels.ts';
import { strideOneBackpropFilter } from './stride-one-backprop.ts';
import { allocate, asWasm, chunkRows, f32, free, type KernelArgs, matMul } from './wasm-heap.ts';

function conv2DBackpropFilter({
  inputs,
  backend: kernelBackend,
  attrs,
}: KernelArgs): tf.TensorInfo {
  const backend = asWasm(kernelBackend);
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const convAttrs = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = backpropConvInfo(x.shape, convAttrs.filterShape, convAttrs);
  const ours = nativeBackpropFilter(backend, x, dy, info);
  if (ours !== undefined) return ours;
  const fast = strideOneBackpropFilter(backend, x, dy, info);
  if (fast !== undefined) return fast;
  const { filterHeight: kH, filterWidth: kW, inChannels: cin, outChannels: cout } = info;
  const { outHeight, outWidth, inHeight, inWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const s = convStrides(info);
  const width = kH * kW * cin;
  const positions = info.batchSize * outHeight * outWidth;
  const perImage = outHeight * outWidth;
  const acc = new Float64Array(width * cout);

  const step = chunkRows(positions, width + cout);
  for (let n0 = 0; n0 < positions; n0 += step) {
    const rows = Math.min(step, positions - n0);
    const patchesT = allocate(backend, [width, rows]);
    const dyRows = allocate(backend, [rows, cout]);
    // Views are taken after the allocations above (which may grow the heap).
    const xv = f32(backend, x);
    const dyv = f32(backend, dy);
    const pv = f32(backend, patchesT);
    const rv = f32(backend, dyRows);
    for (let r = 0; r < rows; r++) {
      const n = n0 + r;
      const b = Math.floor(n / perImage);
      const rem = n - b * perImage;
      const oy = Math.floor(rem / outWidth);
      const ox = rem - oy * outWidth;
      let dyAt = b * s.y.batch + oy * s.y.row + ox * s.y.col;
      for (let co = 0, q = r * cout; co < cout; co++, dyAt += s.y.channel) rv[q++] = dyv[dyAt]!;
      const y0 = oy * strideHeight - top;
      const x0 = ox * strideWidth - left;
      let k = 0;
      for (let kh = 0; kh < kH; kh++) {
        const iy = y0 + kh;
        const rowInside = iy >= 0 && iy < inHeight;
        for (let kw = 0; kw < kW; kw++) {
          const ix = x0 + kw;
          if (!rowInside || ix < 0 || ix >= inWidth) {
            for (let ci = 0; ci < cin; ci++, k++) pv[k * rows + r] = 0;
            continue;
          }
          let at = b * s.x.batch + iy * s.x.row + ix * s.x.col;
          for (let ci = 0; ci < cin; ci++, k++, at += s.x.channel) pv[k * rows + r] = xv[at]!;
        }
      }
    }
    // [KH·KW·Cin, rows] · [rows, Cout] is already in the filter's [KH, KW, Cin, Cout] layout.
    const product = matMul(backend, patchesT, dyRows);
    const prod = f32(backend, product);
    for (let i = 0; i < acc.length; i++) acc[i]! += prod[i]!;
    free(backend, patchesT, dyRows, product);
  }

  const out = allocate(backend, [kH, kW, cin, cout]);
  f32(backend, out).set(acc);
  return out;
}

/** The `Conv2DBackpropFilter` kernel for the `wasm` backend. */
export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};

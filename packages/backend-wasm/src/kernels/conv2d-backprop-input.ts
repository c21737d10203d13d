/**
 * `Conv2DBackpropInput` for the `wasm` backend, replacing TensorFlow.js 4.22's own (a direct loop
 * nest about ten times slower than the forward convolution): the gradient of a 2-D convolution with
 * respect to its input: for stride-1 NHWC convolutions a forward convolution with the flipped filter
 * (stride-one-backprop.ts), otherwise col2im of a matrix product. Per chunk of output positions,
 * cols [rows, KH·KW·Cin] = dy [rows, Cout] · Wᵀ [Cout, KH·KW·Cin] by the backend's XNNPACK
 * `BatchMatMul`, then each column is added back at the input pixel it was read from:
 *
 *   dx[b, oy·sh + kh − top, ox·sw + kw − left, ci] += cols[(b, oy, ox), (kh, kw, ci)].
 */
import * as tf from '@tensorflow/tfjs-core';
import { backpropConvInfo, convStrides } from './conv-geometry.ts';
import { nativeBackpropInput } from './conv-native-kernels.ts';
import { strideOneBackpropInput } from './stride-one-backprop.ts';
import { allocate, asWasm, chunkRows, f32, free, type KernelArgs, matMul } from './wasm-heap.ts';

function conv2DBackpropInput({ inputs, backend: kernelBackend, attrs }: KernelArgs): tf.TensorInfo {
  const backend = asWasm(kernelBackend);
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const convAttrs = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = backpropConvInfo(convAttrs.inputShape, filter.shape, convAttrs);
  const ours = nativeBackpropInput(backend, dy, filter, info);
  if (ours !== undefined) return ours;
  const fast = strideOneBackpropInput(backend, dy, filter, info);
  if (fast !== undefined) return fast;
  const { filterHeight: kH, filterWidth: kW, inChannels: cin, outChannels: cout } = info;
  const { outHeight, outWidth, inHeight, inWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const s = convStrides(info);
  const width = kH * kW * cin;
  const positions = info.batchSize * outHeight * outWidth;
  const perImage = outHeight * outWidth;

  const dx = allocate(backend, info.inShape);
  const filterT = allocate(backend, [cout, width]);
  {
    const fv = f32(backend, filter);
    const ftv = f32(backend, filterT);
    for (let k = 0; k < width; k++) {
      for (let co = 0; co < cout; co++) ftv[co * width + k] = fv[k * cout + co]!;
    }
    f32(backend, dx).fill(0);
  }

  const step = chunkRows(positions, width + cout);
  for (let n0 = 0; n0 < positions; n0 += step) {
    const rows = Math.min(step, positions - n0);
    const dyRows = allocate(backend, [rows, cout]);
    {
      const dyv = f32(backend, dy);
      const rv = f32(backend, dyRows);
      let p = 0;
      for (let n = n0; n < n0 + rows; n++) {
        const b = Math.floor(n / perImage);
        const rem = n - b * perImage;
        const oy = Math.floor(rem / outWidth);
        const ox = rem - oy * outWidth;
        let at = b * s.y.batch + oy * s.y.row + ox * s.y.col;
        for (let co = 0; co < cout; co++, at += s.y.channel) rv[p++] = dyv[at]!;
      }
    }
    const cols = matMul(backend, dyRows, filterT);
    // Views are taken after the product's allocation (which may grow the heap).
    const dxv = f32(backend, dx);
    const cv = f32(backend, cols);
    let p = 0;
    for (let n = n0; n < n0 + rows; n++) {
      const b = Math.floor(n / perImage);
      const rem = n - b * perImage;
      const oy = Math.floor(rem / outWidth);
      const ox = rem - oy * outWidth;
      const y0 = oy * strideHeight - top;
      const x0 = ox * strideWidth - left;
      for (let kh = 0; kh < kH; kh++) {
        const iy = y0 + kh;
        const rowInside = iy >= 0 && iy < inHeight;
        for (let kw = 0; kw < kW; kw++) {
          const ix = x0 + kw;
          if (!rowInside || ix < 0 || ix >= inWidth) {
            p += cin;
            continue;
          }
          let at = b * s.x.batch + iy * s.x.row + ix * s.x.col;
          for (let ci = 0; ci < cin; ci++, at += s.x.channel) dxv[at]! += cv[p++]!;
        }
      }
    }
    free(backend, dyRows, cols);
  }
  free(backend, filterT);
  return dx;
}

/** The `Conv2DBackpropInput` kernel for the `wasm` backend (replaces the built-in one). */
export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};

/**
 * `ResizeNearestNeighborGrad` for the `wasm` backend, replacing TensorFlow.js 4.22's own, which
 * returns wrong values for non-square images (and the cpu kernel reads dy at the image's batch
 * stride, wrong for batch > 1 when sizes differ). The gradient of nearest-neighbour resizing sends
 * each dy pixel back to the source pixel the forward pass read it from:
 *
 *   dx[b, r(oy), c(ox), d] += dy[b, oy, ox, d],   r(oy) = min(H − 1, ⌊oy · scale⌋) (round with
 *   alignCorners), likewise c(ox),
 *
 * with the same scales as the forward kernel (halfPixelCenters is not an attribute of the gradient
 * in TensorFlow.js, so it is not applied, as on every backend).
 */
import * as tf from '@tensorflow/tfjs-core';
import { allocate, asWasm, f32, type KernelArgs } from './wasm-heap.ts';

function sourceIndex(target: number, inSize: number, outSize: number, alignCorners: boolean) {
  const aligned = alignCorners && outSize > 1;
  const scale = (aligned ? inSize - 1 : inSize) / (aligned ? outSize - 1 : outSize);
  const frac = target * scale;
  return Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
}

function resizeNearestNeighborGrad({
  inputs,
  backend: kernelBackend,
  attrs,
}: KernelArgs): tf.TensorInfo {
  const backend = asWasm(kernelBackend);
  const { images, dy } = inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const { alignCorners } = attrs as unknown as tf.ResizeNearestNeighborGradAttrs;
  const [batch, inHeight, inWidth, depth] = images.shape as [number, number, number, number];
  const [, outHeight, outWidth] = dy.shape as [number, number, number, number];
  const rowOf = Array.from({ length: outHeight }, (_, y) =>
    sourceIndex(y, inHeight, outHeight, alignCorners),
  );
  const colOf = Array.from({ length: outWidth }, (_, x) =>
    sourceIndex(x, inWidth, outWidth, alignCorners),
  );
  const dx = allocate(backend, images.shape);
  const dxv = f32(backend, dx);
  const dyv = f32(backend, dy);
  dxv.fill(0);
  let at = 0;
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < outHeight; y++) {
      const row = (b * inHeight + rowOf[y]!) * inWidth;
      for (let x = 0; x < outWidth; x++) {
        const to = (row + colOf[x]!) * depth;
        for (let d = 0; d < depth; d++) dxv[to + d]! += dyv[at++]!;
      }
    }
  }
  return dx;
}

/** The `ResizeNearestNeighborGrad` kernel for the `wasm` backend (replaces the built-in one). */
export const resizeNearestNeighborGradConfig: tf.KernelConfig = {
  kernelName: tf.ResizeNearestNeighborGrad,
  backendName: 'wasm',
  kernelFunc: resizeNearestNeighborGrad as unknown as tf.KernelFunc,
};

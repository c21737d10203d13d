/**
 * Convolutions and their gradients on our own kernels (conv-native.ts, native/conv.c) where they
 * apply: NHWC float32, dilation 1, non-negative padding, and channel counts the kernels take (the
 * output's a multiple of 4). `Conv2D` and `Conv2DBackpropFilter` (any stride) and stride-1
 * `Conv2DBackpropInput` try these first and otherwise keep their XNNPACK paths; so does every
 * call where the module did not load ({@link useNativeConv}).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as tf from '@tensorflow/tfjs-core';
import { wasmThreadCount } from '../node-threads.ts';
import { loadNativeConv, type NativeConv, type NativeConvDims } from './conv-native.ts';
import { flipFilter } from './stride-one-backprop.ts';
import { allocate, f32, type HeapTensor } from './wasm-heap.ts';

let native: NativeConv | undefined;
/**
 * The smallest output image (oh·ow) that goes to our kernels, per gradient: below, the copies in
 * and out and the hand-off to the worker cost more than they save, and XNNPACK's paths were faster
 * (packages/backend-wasm/bench/native-conv.ts: at 7×7 ours took 1.7–2.0× as long, at 28×28
 * 0.4–0.85×). Internal; tests lower them to 0.
 */
export const nativeConvThresholds = {
  filterPixels: 14 * 14,
  inputPixels: 28 * 28,
  forwardPixels: 28 * 28,
};

/** How many convolutions ran on our kernels (tests check that a case took this path). Internal. */
export const nativeConvCalls = { filter: 0, input: 0, forward: 0 };
let loading: Promise<void> | undefined;

/**
 * Loads the kernels once (relaxed or plain SIMD, on `threads` ≤ 2 threads); `false` switches
 * them off again (tests compare both paths). Internal.
 */
export async function useNativeConv(threads: number | false): Promise<NativeConv | undefined> {
  if (threads === false) {
    native = undefined;
    loading = undefined;
    return undefined;
  }
  loading ??= loadNativeConv(threads).then((loaded) => {
    native = loaded;
  });
  await loading;
  return native;
}

/**
 * How many threads our kernels use by default: in Node those of the backend (`DALE_WASM_THREADS`,
 * else the CPUs), in a browser 2 where the page is cross-origin isolated; 0 (none of our kernels)
 * where `DALE_WASM_NATIVE_CONV=0`.
 */
export function nativeConvThreads(): number {
  const env = typeof process === 'object' ? process.env : undefined;
  if (env?.['DALE_WASM_NATIVE_CONV'] === '0') return 0;
  if (typeof process === 'object' && typeof process.getBuiltinModule === 'function') {
    const available = process.getBuiltinModule('node:os').availableParallelism();
    return wasmThreadCount(env?.['DALE_WASM_THREADS'], available);
  }
  return globalThis.crossOriginIsolated ? (globalThis.navigator?.hardwareConcurrency ?? 1) : 1;
}

/** Which kernels are in use: `'relaxed'`/`'plain'` SIMD and threads, or none. Internal. */
export function nativeConvInfo(): { simd: 'relaxed' | 'plain'; threads: number } | undefined {
  return native && { simd: native.simd, threads: native.threads() };
}

function applies(info: tf.backend_util.Conv2DInfo, outChannels: number): boolean {
  const { top, bottom, left, right } = info.padInfo;
  return (
    native !== undefined &&
    info.dataFormat === 'channelsLast' &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    Math.min(top, bottom, left, right) >= 0 &&
    outChannels % 4 === 0
  );
}

/**
 * Writes image [batch, height, width, channels] (from the heap) into the zero-filled padded
 * input of `dims` at offset (top, left), clipping what the kernels never read.
 */
function padInto(
  xp: Float32Array,
  image: Float32Array,
  shape: readonly number[],
  dims: NativeConvDims,
  top: number,
  left: number,
): void {
  const [batch, height, width, channels] = shape as [number, number, number, number];
  const columns = Math.min(width, dims.wp - left) * channels;
  if (columns <= 0) return;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < height && i + top < dims.hp; i++) {
      const from = (b * height + i) * width * channels;
      xp.set(
        image.subarray(from, from + columns),
        ((b * dims.hp + i + top) * dims.wp + left) * channels,
      );
    }
  }
}

/** The padded-input geometry of the forward convolution (or filter gradient) of `info`. */
function forwardDims(info: tf.backend_util.Conv2DInfo): NativeConvDims {
  const { filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = info;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  return {
    batch: info.batchSize,
    hp: (oh - 1) * sh + kh,
    wp: (ow - 1) * sw + kw,
    cin,
    oh,
    ow,
    cout,
    kh,
    kw,
    sh,
    sw,
  };
}

/**
 * Runs the `forward` or `filter` kernel on x zero-padded by the convolution's top and left
 * padding, with `operand` (the filter, or dy) as its second input, into a new tensor of `outShape`.
 */
function onPaddedInput(
  backend: BackendWasm,
  kernel: 'forward' | 'filter',
  x: HeapTensor,
  operand: HeapTensor,
  info: tf.backend_util.Conv2DInfo,
  outShape: number[],
): HeapTensor {
  const dims = forwardDims(info);
  const out = allocate(backend, outShape);
  const xv = f32(backend, x);
  native![kernel](
    dims,
    (xp) => padInto(xp, xv, x.shape, dims, info.padInfo.top, info.padInfo.left),
    f32(backend, operand),
    f32(backend, out),
  );
  return out;
}

/** y = conv2d(x, W) on our kernels (any stride), or `undefined` where they do not apply. */
export function nativeConv2D(
  backend: BackendWasm,
  x: HeapTensor,
  filter: HeapTensor,
  info: tf.backend_util.Conv2DInfo,
): HeapTensor | undefined {
  if (!applies(info, info.outChannels)) return undefined;
  if (info.outHeight * info.outWidth < nativeConvThresholds.forwardPixels) return undefined;
  nativeConvCalls.forward++;
  return onPaddedInput(backend, 'forward', x, filter, info, info.outShape);
}

/** dW [KH, KW, Cin, Cout] on our kernels, or `undefined` where they do not apply. */
export function nativeBackpropFilter(
  backend: BackendWasm,
  x: HeapTensor,
  dy: HeapTensor,
  info: tf.backend_util.Conv2DInfo,
): HeapTensor | undefined {
  if (!applies(info, info.outChannels)) return undefined;
  if (info.outHeight * info.outWidth < nativeConvThresholds.filterPixels) return undefined;
  const { filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = info;
  nativeConvCalls.filter++;
  return onPaddedInput(backend, 'filter', x, dy, info, [kh, kw, cin, cout]);
}

/**
 * dx of a stride-1 convolution on our kernels: the convolution of dy, padded by KH−1−top and
 * KW−1−left, with the flipped, transposed filter W̃[kh, kw, co, ci] = W[KH−1−kh, KW−1−kw, ci, co];
 * `undefined` where the kernels do not apply.
 */
export function nativeBackpropInput(
  backend: BackendWasm,
  dy: HeapTensor,
  filter: HeapTensor,
  info: tf.backend_util.Conv2DInfo,
): HeapTensor | undefined {
  const { top, left, bottom, right } = info.padInfo;
  const { filterHeight: kh, filterWidth: kw, inChannels: cin, outChannels: cout } = info;
  if (
    !applies(info, cin) ||
    info.inHeight * info.inWidth < nativeConvThresholds.inputPixels ||
    info.strideHeight !== 1 ||
    info.strideWidth !== 1 ||
    Math.max(top, bottom) >= kh ||
    Math.max(left, right) >= kw
  ) {
    return undefined;
  }
  nativeConvCalls.input++;
  const flipped = new Float32Array(kh * kw * cin * cout);
  flipFilter(f32(backend, filter), filter.shape, flipped);
  const { inHeight: height, inWidth: width } = info;
  const dims: NativeConvDims = {
    batch: info.batchSize,
    hp: height + kh - 1,
    wp: width + kw - 1,
    cin: cout,
    oh: height,
    ow: width,
    cout: cin,
    kh,
    kw,
    sh: 1,
    sw: 1,
  };
  const dx = allocate(backend, info.inShape);
  const dyv = f32(backend, dy);
  native!.forward(
    dims,
    (xp) => padInto(xp, dyv, dy.shape, dims, kh - 1 - top, kw - 1 - left),
    flipped,
    f32(backend, dx),
  );
  return dx;
}

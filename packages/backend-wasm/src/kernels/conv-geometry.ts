/**
 * Element strides of the 4-D tensors of a 2-D convolution in either data format, so that one loop
 * nest serves NHWC (`channelsLast`) and NCHW (`channelsFirst`).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Strides (in elements) of the batch, row, column and channel axes of an image tensor. */
export interface ImageStrides {
  batch: number;
  row: number;
  col: number;
  channel: number;
}

/** Strides of a [batch, height, width, channels] image stored in `dataFormat`. */
export function imageStrides(
  height: number,
  width: number,
  channels: number,
  dataFormat: 'channelsFirst' | 'channelsLast',
): ImageStrides {
  return dataFormat === 'channelsLast'
    ? { batch: height * width * channels, row: width * channels, col: channels, channel: 1 }
    : { batch: channels * height * width, row: width, col: 1, channel: height * width };
}

/** Strides of a convolution's input `x` (and of `dx`) and of its output `y` (and of `dy`). */
export function convStrides(info: tf.backend_util.Conv2DInfo): {
  x: ImageStrides;
  y: ImageStrides;
} {
  return {
    x: imageStrides(info.inHeight, info.inWidth, info.inChannels, info.dataFormat),
    y: imageStrides(info.outHeight, info.outWidth, info.outChannels, info.dataFormat),
  };
}

/**
 * The geometry of the 2-D convolution whose gradient a `Conv2DBackpropInput` or
 * `Conv2DBackpropFilter` kernel computes (dilation 1, as TensorFlow.js requires for these).
 */
export function backpropConvInfo(
  inputShape: readonly number[],
  filterShape: readonly number[],
  attrs: Pick<tf.Conv2DBackpropInputAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode'>,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}

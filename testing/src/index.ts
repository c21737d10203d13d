/**
 * Test helpers shared by dale's packages: the CPU backend as the reference, tensor values in
 * float64, sample moments and relative errors. Private to the workspace.
 * @module
 */
import { useBackend } from '@dale/core';
import type * as tf from '@tensorflow/tfjs-core';

/** Run tests on TensorFlow.js's CPU backend (the reference implementation). */
export async function onCpu(): Promise<void> {
  await useBackend('cpu');
}

/** Values of a tensor as float64, then dispose it. */
export function take(t: tf.Tensor): Float64Array {
  const out = Float64Array.from(t.dataSync());
  t.dispose();
  return out;
}

/** Mean and unbiased variance in double precision. */
export function moments(values: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i]! - mean) ** 2;
  return { mean, variance: ss / (values.length - 1) };
}

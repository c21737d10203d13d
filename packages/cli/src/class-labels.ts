/**
 * Class labels for sampling a class-conditional model: one class for every sample, or every
 * class in turn.
 * @module
 */

/** Labels 0, 1, …, K − 1, 0, 1, … for `n` samples: a balanced mix of `classes` classes. */
export function balancedLabels(n: number, classes: number, offset = 0): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (offset + i) % classes);
}

/**
 * Registers TensorFlow.js's gradient functions, chained tensor methods and CPU kernels.
 *
 * `@tensorflow/tfjs-core`'s Node build registers no gradients (and its ES-module files cannot be
 * loaded by Node directly); the union package `@tensorflow/tfjs` does, against the same single
 * copy of tfjs-core. Every dale package that differentiates reaches this through `@dale/core`.
 * @module
 */
import '@tensorflow/tfjs';

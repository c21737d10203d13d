/**
 * Registers TensorFlow.js's gradient functions, chained tensor methods and CPU kernels.
 *
 * `@tensorflow/tfjs-core`'s Node build registers no gradients (and its ES-module files cannot be
 * loaded by Node directly); the union package `@tensorflow/tfjs` does, against the same single
 * copy of tfjs-core. Every dale package that differentiates reaches this through `@dale/core`.
 * Then the gradients that would break gradients of gradients are replaced (tensorflow/tfjs#3252),
 * after `@tensorflow/tfjs` has registered its own: see `second-order-gradients.ts`. Last, the
 * fused group-norm kernel's gradient and `cpu` kernels (`fused-group-norm.ts`).
 * @module
 */
import '@tensorflow/tfjs';
import { registerFusedGroupNorm } from './fused-group-norm.ts';
import { registerSecondOrderGradients } from './second-order-gradients.ts';

registerSecondOrderGradients();
registerFusedGroupNorm();

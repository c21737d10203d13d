/**
 * Registers TensorFlow.js's gradient functions, chained tensor methods and CPU kernels.
 *
 * `@tensorflow/tfjs-core` registers neither gradients nor chained ops (`x.square()`); its own
 * modules `register_all_gradients` and `register_all_chained_ops` do. Bundlers load them from
 * tfjs-core itself; Node cannot (tfjs-core's ES-module files use extensionless imports), so it
 * loads them bundled into `vendor/tfjs-registrations.node.js` (package.json `"imports"`, see
 * `scripts/bundle-tfjs-registrations.ts`). Either way they register into the one copy of tfjs-core.
 * `@tensorflow/tfjs-backend-cpu` registers the `cpu` backend. Then the gradients that would break
 * gradients of gradients are replaced (tensorflow/tfjs#3252): see `second-order-gradients.ts`.
 * Last, the fused group-norm kernel's gradient and `cpu` kernels (`fused-group-norm.ts`).
 * @module
 */
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '#tfjs-registrations';
import { registerFusedGroupNorm } from './fused-group-norm.ts';
import { registerSecondOrderGradients } from './second-order-gradients.ts';

registerSecondOrderGradients();
registerFusedGroupNorm();

// Types of tfjs-registrations.{node,browser}.js: the chained tensor methods (`x.square()`) that
// they register, declared by tfjs-core's own modules.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';

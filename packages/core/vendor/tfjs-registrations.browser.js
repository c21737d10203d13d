// For bundlers (package.json "imports", condition "default"): tfjs-core's own registration
// modules, which share every module they import with the copy of tfjs-core the bundle has.
// Node takes tfjs-registrations.node.js, the same two modules bundled (see
// scripts/bundle-tfjs-registrations.ts).
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';

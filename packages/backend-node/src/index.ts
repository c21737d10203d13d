/**
 * `@dale/backend-node`: TensorFlow's C library through `@tensorflow/tfjs-node-gpu` or
 * `@tensorflow/tfjs-node` (optional peer dependencies) as the dale backend plugin `tensorflow`,
 * the GPU binding first. Importing this package registers the plugin; it loads a binding only
 * when chosen, and when neither is installed it says how to install one.
 *
 * @example
 * ```ts
 * import '@dale/backend-node';
 * import { useBackend } from '@dale/core';
 * const chosen = await useBackend('auto'); // 'tensorflow' when a binding is installed
 * ```
 * @packageDocumentation
 */
import { createRequire } from 'node:module';
import { type BackendPlugin, registerBackendPlugin } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBinding, type NodeBinding } from './binding.ts';
import { installInstructions, LIBTENSORFLOW_VERSION } from './install-help.ts';

export { chooseBinding, NODE_BINDINGS, type NodeBinding } from './binding.ts';
export { installInstructions, LIBTENSORFLOW_VERSION } from './install-help.ts';

/** Options of {@link createNodeBackendPlugin}. */
export interface NodeBackendOptions {
  /** How to find a binding; default `require.resolve` from this package. */
  resolve?: (name: string) => string;
  /** How to load it; default a dynamic `import`. */
  load?: (name: NodeBinding) => Promise<unknown>;
}

/** The `tensorflow` plugin (priority 100, above every other backend), with injectable module lookup. */
export function createNodeBackendPlugin(options: NodeBackendOptions = {}): BackendPlugin {
  const resolve = options.resolve ?? createRequire(import.meta.url).resolve;
  const load = options.load ?? ((name: NodeBinding) => import(name));
  return {
    name: 'tensorflow',
    priority: 100,
    isAvailable() {
      const binding = chooseBinding(resolve);
      return binding
        ? true
        : {
            available: false,
            reason: 'install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu',
          };
    },
    async init() {
      const binding = chooseBinding(resolve);
      if (!binding) throw new Error(installInstructions());
      await load(binding);
      if (!(await tf.setBackend('tensorflow')))
        throw new Error(`${binding} loaded but tf.setBackend('tensorflow') failed`);
      await tf.ready();
      const kind = binding.endsWith('-gpu') ? 'CUDA GPU' : 'CPU';
      return {
        device: `TensorFlow C ${LIBTENSORFLOW_VERSION} (${kind}, via ${binding})`,
        software: false,
        tfBackend: tf.getBackend(),
      };
    },
  };
}

/** The registered `tensorflow` plugin. */
export const nodeBackendPlugin: BackendPlugin = createNodeBackendPlugin();

registerBackendPlugin(nodeBackendPlugin);

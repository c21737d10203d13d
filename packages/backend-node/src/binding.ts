/** The two TensorFlow.js Node bindings, in order of preference. */
export const NODE_BINDINGS = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/** One of {@link NODE_BINDINGS}. */
export type NodeBinding = (typeof NODE_BINDINGS)[number];

/**
 * The binding to load: the GPU one when it resolves, else the CPU one, else undefined.
 * `resolve` returns the module's path or throws when it is not installed (`require.resolve`).
 */
export function chooseBinding(resolve: (name: string) => string): NodeBinding | undefined {
  for (const name of NODE_BINDINGS) {
    try {
      resolve(name);
      return name;
    } catch {
      // not installed: try the next one
    }
  }
  return undefined;
}

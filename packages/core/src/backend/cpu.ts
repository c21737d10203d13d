import * as tf from '@tensorflow/tfjs-core';
import type { BackendPlugin } from './registry.ts';

function threadCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

/** TensorFlow.js's pure-JavaScript CPU backend: always available, the slowest and the reference. */
export const cpuBackendPlugin: BackendPlugin = {
  name: 'cpu',
  priority: 0,
  isAvailable: () => true,
  async init() {
    const ok = await tf.setBackend('cpu');
    if (!ok) throw new Error('tf.setBackend("cpu") failed');
    await tf.ready();
    // The CPU backend prints a "install tfjs-node" banner on first use in Node; dale's own
    // backend selection already tells users about faster backends.
    (tf.backend() as { firstUse?: boolean }).firstUse = false;
    return {
      device: `CPU (${threadCount()} threads, pure JavaScript kernels)`,
      software: false,
      tfBackend: tf.getBackend(),
    };
  },
};

/** The TensorFlow C library version that @tensorflow/tfjs-node(-gpu) 4.22 downloads at install time. */
export const LIBTENSORFLOW_VERSION = '2.9.1';

/**
 * What a user needs to know when neither binding is installed: how to install them, what
 * tfjs-node-gpu 4.22 needs from NVIDIA, and how to install offline.
 */
export function installInstructions(): string {
  return [
    'Neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed.',
    '  CPU:  pnpm add @tensorflow/tfjs-node@4.22.0',
    '  GPU (Linux, Windows): pnpm add @tensorflow/tfjs-node-gpu@4.22.0 — it needs an NVIDIA driver ≥ 450,',
    `        CUDA 11.2 and cuDNN 8.1 (it links libtensorflow ${LIBTENSORFLOW_VERSION}).`,
    '  Their install step downloads libtensorflow; offline, point it at a copy you host: put',
    '        {"tf-lib": "<URL of libtensorflow-{cpu|gpu}-linux-x86_64-2.9.1.tar.gz>"} in',
    '        node_modules/@tensorflow/tfjs-node(-gpu)/scripts/custom-binary.json and rebuild',
    '        (npm rebuild @tensorflow/tfjs-node), or set TFJS_NODE_CDN_STORAGE / TFJS_NODE_BASE_URI to a mirror.',
    "  Without them, use '@dale/backend-wasm' (CPU) or '@dale/backend-webgpu'.",
  ].join('\n');
}

// The anchors of the bench that are not dale: ONNX Runtime (onnxruntime-node in Node,
// onnxruntime-web in headless Chromium) on unet-small exported to ONNX from the PyTorch twin.
// None is a dependency of the workspace (onnxruntime-node alone is ~300 MiB, and its postinstall
// downloads CUDA libraries): `bash bench/install-anchors.sh` installs them, with install scripts
// disabled, into bench/.anchors (ignored by git). Each anchor is skipped with a message where it
// is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { timeRuns } from './timing.ts';

/** Where bench/install-anchors.sh installs onnxruntime-node and onnxruntime-web. */
export const ANCHORS_DIR = join(import.meta.dirname, '.anchors');
export const INSTALL_HINT = 'bash bench/install-anchors.sh';

/** The path of package `name` installed under bench/.anchors, or why not. */
export function anchorPackage(name: string): { dir: string } | { missing: string } {
  const manifest = join(ANCHORS_DIR, 'node_modules', name, 'package.json');
  if (!existsSync(manifest)) return { missing: `${name} not installed (${INSTALL_HINT})` };
  return { dir: join(ANCHORS_DIR, 'node_modules', name) };
}

/** The installed version of an anchor package. */
export function anchorVersion(dir: string): string {
  return (createRequire(import.meta.url)(join(dir, 'package.json')) as { version: string }).version;
}

/** The part of onnxruntime-node's API the bench uses (its types are not installed for typecheck). */
interface OrtTensor {
  readonly data: Float32Array;
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface Ort {
  readonly InferenceSession: {
    create(path: string, options: Record<string, unknown>): Promise<OrtSession>;
  };
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
}

/**
 * Exports the checkpoint's unet-small to ONNX (opset 17) with bench/export_onnx.py; returns the
 * path, or why not (no PyTorch for any of `pythons`).
 */
export function exportOnnx(
  pythons: string[],
  checkpoint: string,
  out: string,
): { path: string } | { missing: string } {
  for (const python of pythons) {
    try {
      execFileSync(python, [join(import.meta.dirname, 'export_onnx.py'), checkpoint, out], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { path: out };
    } catch {
      // no torch for this interpreter: try the next
    }
  }
  return { missing: 'no PyTorch to export the ONNX model (apt-get install python3-torch)' };
}

/**
 * onnxruntime-node's forward pass of the exported network on `x` ([B, 1, 28, 28], which for one
 * channel is the same memory as dale's NHWC) at t = 0.5, on `threads` intra-op threads: median
 * of `runs` after a warm-up, and the output, to check that it is the same network as dale's.
 */
export async function ortNodeForward(
  dir: string,
  onnx: string,
  x: Float32Array,
  batch: number,
  runs: number,
  threads: number,
): Promise<{ median: number; all: number[]; output: Float32Array }> {
  const entry = createRequire(join(dir, 'package.json')).resolve('onnxruntime-node');
  const ort = (await import(pathToFileURL(entry).href)) as Ort;
  const session = await ort.InferenceSession.create(onnx, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const feeds = {
    x: new ort.Tensor('float32', x, [batch, 1, 28, 28]),
    t: new ort.Tensor('float32', new Float32Array(batch).fill(0.5), [batch]),
  };
  let output: Float32Array = new Float32Array(0);
  const timed = await timeRuns(runs, async () => {
    output = (await session.run(feeds))['eps']!.data;
  });
  await session.release();
  return { ...timed, output };
}

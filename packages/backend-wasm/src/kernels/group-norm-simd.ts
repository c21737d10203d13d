/**
 * The fused group norm compiled to WebAssembly with SIMD (native/group-norm.c), about 10× faster
 * than the same arithmetic in JavaScript (`@dale/core`'s `groupNormForward`/`groupNormBackward`,
 * which remain the fallback and the reference). The module has its own memory: a call copies its
 * inputs in and its outputs out, which costs far less than the arithmetic.
 */
import {
  type GroupNormArithmetic,
  type GroupNormDims,
  groupNormBackward,
  groupNormForward,
} from '@dale/core/internal';
import { GROUP_NORM_WASM } from './group-norm-wasm.ts';

interface Exports {
  readonly memory: WebAssembly.Memory;
  readonly __heap_base: WebAssembly.Global;
  max_channels(): number;
  forward(...args: number[]): void;
  backward(...args: number[]): void;
}

/** The two passes, with the signatures of `@dale/core`'s typed-array functions. */
export interface GroupNormImplementation extends GroupNormArithmetic {
  /** `'simd'` for the WebAssembly module, `'js'` for the JavaScript fallback. */
  readonly kind: 'simd' | 'js';
}

/** The JavaScript implementation from `@dale/core`. */
export const jsGroupNorm: GroupNormImplementation = {
  forward: groupNormForward,
  backward: groupNormBackward,
  kind: 'js',
};

/** Hands out 16-byte-aligned float32 regions of the module's memory, growing it as needed. */
class Arena {
  private next: number;
  private readonly exports: Exports;
  constructor(exports: Exports) {
    this.exports = exports;
    this.next = exports.__heap_base.value as number;
  }
  /** Reserves `sizes` floats each; returns their byte offsets. */
  take(sizes: number[]): number[] {
    const offsets = sizes.map((size) => {
      const offset = this.next;
      this.next += Math.ceil((size * 4) / 16) * 16;
      return offset;
    });
    const missing = this.next - this.exports.memory.buffer.byteLength;
    if (missing > 0) this.exports.memory.grow(Math.ceil(missing / 65536));
    return offsets;
  }
  reset(): void {
    this.next = this.exports.__heap_base.value as number;
  }
  view(offset: number, length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, offset, length);
  }
}

function simd(exports: Exports): GroupNormImplementation {
  const arena = new Arena(exports);
  const maxChannels = exports.max_channels();
  const dimArgs = (d: GroupNormDims) => [d.batch, d.pixels, d.channels, d.groups];
  /** Copies `inputs` in, calls `fn(...offsets of inputs and outputs, ...scalars)`, copies `outputs` out. */
  const call = (
    fn: Exports['forward'],
    inputs: Float32Array[],
    outputs: Float32Array[],
    scalars: number[],
  ) => {
    arena.reset();
    const at = arena.take([...inputs, ...outputs].map((a) => a.length));
    for (const [i, values] of inputs.entries()) arena.view(at[i]!, values.length).set(values);
    fn(...at, ...scalars);
    for (const [i, target] of outputs.entries()) {
      target.set(arena.view(at[inputs.length + i]!, target.length));
    }
  };
  /** Batch elements [start, end) of an array holding `dims.batch` equal parts (images, statistics). */
  const images = (a: Float32Array, dims: GroupNormDims, start: number, end: number) => {
    const per = a.length / dims.batch;
    return a.subarray(start * per, end * per);
  };
  return {
    kind: 'simd',
    forward(dims, attrs, inputs, outputs) {
      if (dims.channels > maxChannels) {
        groupNormForward(dims, attrs, inputs, outputs);
        return;
      }
      const { x, scale, offset } = inputs;
      const silu = attrs.activation === 'silu' ? 1 : 0;
      for (const [start, end] of batchChunks(dims)) {
        const part = (a: Float32Array) => images(a, dims, start, end);
        call(
          exports.forward,
          [part(x), scale, offset],
          [part(outputs.y), part(outputs.mean), part(outputs.rstd)],
          [...dimArgs({ ...dims, batch: end - start }), attrs.eps, silu],
        );
      }
    },
    backward(dims, attrs, inputs, outputs) {
      if (dims.channels > maxChannels) {
        groupNormBackward(dims, attrs, inputs, outputs);
        return;
      }
      const { dy, x, scale, offset, mean, rstd } = inputs;
      const silu = attrs.activation === 'silu' ? 1 : 0;
      const dScale = new Float64Array(dims.channels);
      const dOffset = new Float64Array(dims.channels);
      const partScale = new Float32Array(dims.channels);
      const partOffset = new Float32Array(dims.channels);
      for (const [start, end] of batchChunks(dims)) {
        const part = (a: Float32Array) => images(a, dims, start, end);
        call(
          exports.backward,
          [part(dy), part(x), scale, offset, part(mean), part(rstd)],
          [part(outputs.dx), partScale, partOffset],
          [...dimArgs({ ...dims, batch: end - start }), silu],
        );
        for (let c = 0; c < dims.channels; c++) {
          dScale[c]! += partScale[c]!;
          dOffset[c]! += partOffset[c]!;
        }
      }
      outputs.dScale.set(dScale);
      outputs.dOffset.set(dOffset);
    },
  };
}

/**
 * The module's memory holds one call's inputs and outputs: at most `floats` floats of each
 * image-sized array per call (whole batch elements, at least one), so that it stays small whatever
 * the batch (2 Mi floats: ~40 MiB for a backward call). Internal; tests lower it.
 */
export const groupNormChunking = { floats: 1 << 21 };

/** [start, end) ranges of batch elements of at most `groupNormChunking.floats` floats (≥ 1 element). */
function batchChunks(dims: GroupNormDims): [number, number][] {
  const perImage = dims.pixels * dims.channels;
  const step = Math.max(1, Math.floor(groupNormChunking.floats / perImage));
  const chunks: [number, number][] = [];
  for (let start = 0; start < dims.batch; start += step) {
    chunks.push([start, Math.min(dims.batch, start + step)]);
  }
  return chunks;
}

/**
 * Compiles the SIMD module (asynchronously: browsers refuse to compile modules over 4 KB
 * synchronously on the main thread). Resolves to the JavaScript implementation where
 * WebAssembly SIMD is unavailable.
 */
export async function loadGroupNorm(): Promise<GroupNormImplementation> {
  try {
    const bytes = Uint8Array.from(atob(GROUP_NORM_WASM), (c) => c.charCodeAt(0));
    const { instance } = await WebAssembly.instantiate(bytes);
    return simd(instance.exports as unknown as Exports);
  } catch {
    return jsGroupNorm;
  }
}

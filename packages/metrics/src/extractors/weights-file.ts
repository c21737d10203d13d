/**
 * Float32 weights as a safetensors file: an 8-byte little-endian header length, a JSON header
 * `{ name: { dtype: 'F32', shape, data_offsets }, __metadata__ }`, then the little-endian data.
 * @module
 */
import { DaleError } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/** Encode named float32 tensors (read synchronously, not disposed) with string metadata. */
export function encodeWeights(
  tensors: Record<string, tf.Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const data = t.dataSync() as Float32Array;
    header[name] = {
      dtype: 'F32',
      shape: t.shape,
      data_offsets: [offset, offset + 4 * data.length],
    };
    chunks.push(data);
    offset += 4 * data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // data starts 8-byte aligned
  const headerBytes = new TextEncoder().encode(json);
  const bytes = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  bytes.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const data of chunks) {
    for (let i = 0; i < data.length; i++, at += 4) view.setFloat32(at, data[i]!, true);
  }
  return bytes;
}

/** Decode {@link encodeWeights}' format into float32 tensors (the caller disposes them). */
export function decodeWeights(bytes: Uint8Array): {
  tensors: Record<string, tf.Tensor>;
  metadata: Record<string, string>;
} {
  const fail = (what: string) => new DaleError('invalid-weights', `decodeWeights: ${what}`);
  if (bytes.length < 8) throw fail(`expected at least 8 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) {
    throw fail(`header length ${headerLength} exceeds the ${bytes.length} bytes`);
  }
  const header = JSON.parse(
    new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)),
  ) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const start = 8 + headerLength;
  const tensors: Record<string, tf.Tensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as unknown as Record<string, string>;
      continue;
    }
    const [from, to] = entry.data_offsets;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (entry.dtype !== 'F32' || to - from !== 4 * count || start + to > bytes.length) {
      throw fail(`tensor ${name} must be F32 with ${4 * count} bytes in range, got ${entry.dtype}`);
    }
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(start + from + 4 * i, true);
    tensors[name] = tf.tensor(data, entry.shape, 'float32');
  }
  return { tensors, metadata };
}

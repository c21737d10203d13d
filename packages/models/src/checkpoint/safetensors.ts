/**
 * The safetensors file format (https://github.com/huggingface/safetensors), written and read
 * without dependencies: an 8-byte little-endian header length N, N bytes of JSON header
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { key: string } }`
 * (padded with spaces to a multiple of 8), then the raw little-endian tensor data. Reading
 * validates every field, so a truncated, padded or tampered file is refused, never mis-read.
 * @module
 */
import { DaleError } from '@dale/core';

/** The element types dale reads and writes (PyTorch: float32, float64, int32). */
export type SafetensorsDtype = 'F32' | 'F64' | 'I32';

/** The element types, in the order error messages list them. */
export const SAFETENSORS_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F64', 'I32'];

/** One tensor of a safetensors file: its element type, shape and values (row-major). */
export interface SafetensorsTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Int32Array;
}

/** The decoded contents of a safetensors file: tensors in file order, and the string metadata. */
export interface SafetensorsContents {
  readonly tensors: Map<string, SafetensorsTensor>;
  readonly metadata: Record<string, string>;
}

/** The largest header accepted (the reference implementation's limit, 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4 };

function dtypeOf(data: SafetensorsTensor['data']): SafetensorsDtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  return 'I32';
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Encode tensors (in the given order) and string metadata as a safetensors file. The dtype of
 * each tensor must match its typed array, and its size must be the product of its shape.
 */
export function encodeSafetensors(
  tensors: Iterable<readonly [string, SafetensorsTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  const entries = [...tensors];
  let offset = 0;
  for (const [name, tensor] of entries) {
    if (name === '__metadata__' || name in header) {
      throw new DaleError(
        'invalid-checkpoint',
        `safetensors: duplicate or reserved tensor name ${JSON.stringify(name)}`,
      );
    }
    if (dtypeOf(tensor.data) !== tensor.dtype || tensor.data.length !== product(tensor.shape)) {
      throw new DaleError(
        'invalid-checkpoint',
        `safetensors: tensor ${JSON.stringify(name)} must hold ${product(tensor.shape)} ${tensor.dtype} values for shape [${tensor.shape.join(', ')}], got ${tensor.data.length} ${dtypeOf(tensor.data)}`,
      );
    }
    const bytes = tensor.data.length * BYTES[tensor.dtype];
    header[name] = {
      dtype: tensor.dtype,
      shape: [...tensor.shape],
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  const pad = (8 - (encoder.encode(json).length % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = encoder.encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const [, { dtype, data }] of entries) {
    for (let i = 0; i < data.length; i++) {
      if (dtype === 'F32') view.setFloat32(position, data[i]!, true);
      else if (dtype === 'F64') view.setFloat64(position, data[i]!, true);
      else view.setInt32(position, data[i]!, true);
      position += BYTES[dtype];
    }
  }
  return out;
}

/**
 * Decode a safetensors file, validating it completely: the header length is within the file and
 * {@link MAX_HEADER_BYTES}; the header is a JSON object; every tensor has a supported dtype, a
 * shape of non-negative integers and integer offsets; the tensors' byte ranges, sorted, tile the
 * data section exactly from 0 to its end (no gaps, overlaps or trailing bytes); each range holds
 * product(shape) × bytes-per-element bytes; metadata values are strings. `file` names the file
 * in the `DaleError` (code `'invalid-checkpoint'`) thrown otherwise.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  file = 'safetensors file',
): SafetensorsContents {
  const fail = (problem: string): never => {
    throw new DaleError('invalid-checkpoint', `${file}: ${problem}`);
  };
  if (bytes.length < 8)
    fail(`the file has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    fail(
      `the header length ${declared} exceeds the ${bytes.length - 8} bytes after it (or the ${MAX_HEADER_BYTES}-byte limit)`,
    );
  }
  const headerLength = Number(declared);
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch (error) {
    fail(`the header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    fail('the header must be a JSON object');
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const ranges: Array<{ name: string; begin: number; end: number }> = [];
  const parsed: Array<[string, SafetensorsDtype, number[], number, number]> = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
        fail('__metadata__ must be an object');
      for (const [key, value] of Object.entries(entry as object)) {
        if (typeof value !== 'string')
          fail(`__metadata__.${key} must be a string, got ${JSON.stringify(value)}`);
        metadata[key] = value as string;
      }
      continue;
    }
    const what = `tensor ${JSON.stringify(name)}`;
    if (entry === null || typeof entry !== 'object') fail(`${what}: the entry must be an object`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (!SAFETENSORS_DTYPES.includes(dtype as SafetensorsDtype)) {
      fail(
        `${what}: dtype must be one of ${SAFETENSORS_DTYPES.join(', ')}, got ${JSON.stringify(dtype)}`,
      );
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(
        `${what}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1] ||
      offsets[1] > dataLength
    ) {
      fail(
        `${what}: data_offsets must be [begin, end] with 0 ≤ begin ≤ end ≤ ${dataLength} (the data section's size), got ${JSON.stringify(offsets)}`,
      );
    }
    const [begin, end] = offsets as [number, number];
    const expected = product(shape as number[]) * BYTES[dtype as SafetensorsDtype];
    if (end - begin !== expected) {
      fail(
        `${what}: shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${expected} bytes, but data_offsets span ${end - begin}`,
      );
    }
    ranges.push({ name, begin, end });
    parsed.push([name, dtype as SafetensorsDtype, shape as number[], begin, end]);
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const { name, begin, end } of ranges) {
    if (begin !== cursor) {
      fail(
        begin < cursor
          ? `tensor ${JSON.stringify(name)} overlaps the previous tensor (its data starts at ${begin}, before ${cursor})`
          : `there are ${begin - cursor} unused bytes before tensor ${JSON.stringify(name)} (data_offsets must be contiguous)`,
      );
    }
    cursor = end;
  }
  if (cursor !== dataLength) {
    fail(
      `the data section has ${dataLength} bytes but the tensors cover ${cursor} (truncated or trailing bytes)`,
    );
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, dtype, shape, begin, end] of parsed) {
    const n = (end - begin) / BYTES[dtype];
    const at = dataStart + begin;
    const data =
      dtype === 'F32'
        ? new Float32Array(n)
        : dtype === 'F64'
          ? new Float64Array(n)
          : new Int32Array(n);
    for (let i = 0; i < n; i++) {
      data[i] =
        dtype === 'F32'
          ? view.getFloat32(at + 4 * i, true)
          : dtype === 'F64'
            ? view.getFloat64(at + 8 * i, true)
            : view.getInt32(at + 4 * i, true);
    }
    tensors.set(name, { dtype, shape, data });
  }
  return { tensors, metadata };
}

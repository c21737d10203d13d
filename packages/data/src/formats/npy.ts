/**
 * NumPy's .npy format (versions 1.0, 2.0, 3.0): the magic string "\x93NUMPY", a version, a
 * little-endian header length, a Python dict literal `{'descr': …, 'fortran_order': …,
 * 'shape': (…), }`, then the raw array. dale reads uint8 arrays in C order.
 * @module
 */
import { DatasetFormatError } from '../errors.ts';
import { requireBytes, u16le, u32le } from './bytes.ts';

/** A parsed .npy array of unsigned bytes. */
export interface NpyArray {
  /** The dtype string from the header, e.g. `'|u1'`. */
  readonly dtype: string;
  /** The shape from the header, e.g. [10000, 28, 28]. */
  readonly shape: readonly number[];
  /** The data, C (row-major) order. */
  readonly data: Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const UINT8_DTYPES = new Set(['|u1', '<u1', '>u1', '=u1', 'u1', '|B', 'B']);

type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

/** A tokenizer and parser for the subset of Python literals that .npy headers use. */
class HeaderParser {
  readonly #text: string;
  readonly #file: string;
  #pos = 0;

  constructor(text: string, file: string) {
    this.#text = text;
    this.#file = file;
  }

  #fail(problem: string): never {
    throw new DatasetFormatError(
      this.#file,
      `malformed .npy header at character ${this.#pos}: ${problem} (header: ${JSON.stringify(this.#text.slice(0, 200))})`,
    );
  }

  #skipSpace(): void {
    while (this.#pos < this.#text.length && /\s/.test(this.#text[this.#pos]!)) this.#pos++;
  }

  #peek(): string | undefined {
    this.#skipSpace();
    return this.#text[this.#pos];
  }

  #expect(ch: string): void {
    if (this.#peek() !== ch) this.#fail(`expected '${ch}'`);
    this.#pos++;
  }

  parseDocument(): PyValue {
    const value = this.#value(0);
    this.#skipSpace();
    if (this.#pos !== this.#text.length) this.#fail('unexpected text after the dictionary');
    return value;
  }

  #value(depth: number): PyValue {
    if (depth > 8) this.#fail('nesting too deep');
    const ch = this.#peek();
    if (ch === '{') return this.#dict(depth);
    if (ch === '(' || ch === '[') return this.#sequence(depth, ch === '(' ? ')' : ']');
    if (ch === "'" || ch === '"') return this.#string(ch);
    if (ch !== undefined && /[0-9-]/.test(ch)) return this.#integer();
    const word = /^[A-Za-z_]+/.exec(this.#text.slice(this.#pos))?.[0];
    if (word === 'True' || word === 'False' || word === 'None') {
      this.#pos += word.length;
      return word === 'None' ? null : word === 'True';
    }
    return this.#fail(ch === undefined ? 'unexpected end' : `unexpected '${ch}'`);
  }

  #dict(depth: number): Map<string, PyValue> {
    this.#expect('{');
    const map = new Map<string, PyValue>();
    while (this.#peek() !== '}') {
      const quote = this.#peek();
      if (quote !== "'" && quote !== '"') this.#fail('dictionary keys must be strings');
      const key = this.#string(quote);
      this.#expect(':');
      if (map.has(key)) this.#fail(`duplicate key '${key}'`);
      map.set(key, this.#value(depth + 1));
      if (this.#peek() === ',') this.#pos++;
      else if (this.#peek() !== '}') this.#fail("expected ',' or '}'");
    }
    this.#pos++;
    return map;
  }

  #sequence(depth: number, close: string): PyValue[] {
    this.#pos++;
    const items: PyValue[] = [];
    while (this.#peek() !== close) {
      items.push(this.#value(depth + 1));
      if (this.#peek() === ',') this.#pos++;
      else if (this.#peek() !== close) this.#fail(`expected ',' or '${close}'`);
      if (items.length > 64) this.#fail('too many items');
    }
    this.#pos++;
    return items;
  }

  #string(quote: string): string {
    this.#pos++;
    const end = this.#text.indexOf(quote, this.#pos);
    if (end < 0) this.#fail('unterminated string');
    const value = this.#text.slice(this.#pos, end);
    if (value.includes('\\')) this.#fail('escape sequences are not supported in .npy headers');
    this.#pos = end + 1;
    return value;
  }

  #integer(): number {
    const match = /^-?[0-9]+L?/.exec(this.#text.slice(this.#pos));
    if (!match) this.#fail('malformed number');
    this.#pos += match[0].length;
    const digits = match[0].replace('L', '');
    if (digits.replace('-', '').length > 15) this.#fail(`number ${digits} is too large`);
    return Number(digits);
  }
}

/**
 * Parse a .npy file holding a uint8 array (dtype `'|u1'`) in C order. The shape's element
 * count must match the data exactly.
 *
 * @throws {DatasetFormatError} for a wrong magic string or version, a malformed header, another
 * dtype, Fortran order, a truncated array or trailing bytes.
 */
export function readNpy(bytes: Uint8Array, file: string): NpyArray {
  requireBytes(bytes, 0, 10, file, 'the .npy magic string and header length');
  if (MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DatasetFormatError(file, 'not a .npy array: it does not start with "\\x93NUMPY"');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3 || minor !== 0) {
    throw new DatasetFormatError(
      file,
      `unsupported .npy format version ${major}.${minor} (dale reads 1.0, 2.0 and 3.0)`,
    );
  }
  const lengthBytes = major === 1 ? 2 : 4;
  requireBytes(bytes, 8, lengthBytes, file, 'the .npy header length');
  const headerLength = major === 1 ? u16le(bytes, 8) : u32le(bytes, 8);
  const headerStart = 8 + lengthBytes;
  requireBytes(bytes, headerStart, headerLength, file, 'the .npy header');
  const headerBytes = bytes.subarray(headerStart, headerStart + headerLength);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const header = new HeaderParser(text, file).parseDocument();
  if (!(header instanceof Map)) {
    throw new DatasetFormatError(
      file,
      `malformed .npy header: expected a dictionary, got ${JSON.stringify(text)}`,
    );
  }
  const keys = [...header.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') {
    throw new DatasetFormatError(
      file,
      `malformed .npy header: expected the keys descr, fortran_order and shape, got ${keys || 'none'}`,
    );
  }
  const descr = header.get('descr');
  if (typeof descr !== 'string') {
    throw new DatasetFormatError(
      file,
      `.npy dtype must be a simple type string, got ${JSON.stringify(descr)} (structured dtypes are not supported)`,
    );
  }
  if (!UINT8_DTYPES.has(descr)) {
    throw new DatasetFormatError(
      file,
      `unsupported .npy dtype '${descr}': dale reads uint8 arrays ('|u1')`,
    );
  }
  const fortran = header.get('fortran_order');
  if (typeof fortran !== 'boolean') {
    throw new DatasetFormatError(
      file,
      `malformed .npy header: fortran_order must be True or False, got ${JSON.stringify(fortran)}`,
    );
  }
  if (fortran) {
    throw new DatasetFormatError(
      file,
      'unsupported .npy layout: fortran_order is True (dale reads C-order arrays)',
    );
  }
  const shape = header.get('shape');
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || d < 0)) {
    throw new DatasetFormatError(
      file,
      `malformed .npy header: shape must be a tuple of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  const dims = shape as number[];
  const size = dims.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  const available = bytes.length - dataStart;
  if (size > available) {
    throw new DatasetFormatError(
      file,
      `truncated: shape (${dims.join(', ')}) needs ${size} bytes of uint8 data but only ${available} follow the header`,
    );
  }
  if (size < available) {
    throw new DatasetFormatError(
      file,
      `${available - size} unexpected bytes after the ${size} bytes of shape (${dims.join(', ')})`,
    );
  }
  return { dtype: descr, shape: dims, data: bytes.subarray(dataStart) };
}

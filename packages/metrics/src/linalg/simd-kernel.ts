/**
 * A WebAssembly SIMD (f64x2) micro-kernel for float64 dot products between rows: 4 rows of A against
 * 2 rows of B, two depth values per step, eight 128-bit accumulators kept in registers. V8 compiles
 * plain JavaScript loops to scalar code only, so this roughly quadruples the throughput of the
 * products behind the covariance accumulation and the Fréchet distance. The module (about 300 bytes)
 * is assembled here from its instructions, so no binary ships with the package; where WebAssembly
 * SIMD is unavailable {@link simdKernel} returns undefined and callers use their scalar loops.
 * @module
 */

/** The instantiated kernel and its memory (which grows on demand; views must be re-taken after). */
export interface SimdKernel {
  /** The module's memory: row data and the 8-value result area live here. */
  readonly memory: WebAssembly.Memory;
  /**
   * out[4r + c] = Σ_{o < bytes, step 16} A_r(o) · B_c(o) over the f64 rows A_r at `a + r·stride`
   * (r < 4) and B_c at `b + c·stride` (c < 2), byte offsets, `bytes` a multiple of 16; the eight
   * sums are written as f64 at byte offset `out`.
   */
  readonly dot4x2: (a: number, b: number, stride: number, bytes: number, out: number) => void;
  /**
   * The symmetric rank-2 update of one column fused with a matrix–vector product, over f64 vectors
   * at byte offsets v, u, p, w, q of `bytes` bytes (a multiple of 16): a = v − (uj·p + pj·u),
   * v ← a, q ← q + wj·a; returns Σ a·w.
   */
  readonly rank2: (
    v: number,
    u: number,
    p: number,
    w: number,
    q: number,
    bytes: number,
    uj: number,
    pj: number,
    wj: number,
  ) => number;
}

// Opcodes (WebAssembly core + SIMD proposal).
const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_ADD = 0x6a;
const I32_CONST = 0x41;
const I32_GE_U = 0x4f;
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const VOID = 0x40;
const F64_ADD = 0xa0;
const F64_STORE = 0x39;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00];
const V128_STORE = [SIMD, 0x0b];
const F64X2_SPLAT = [SIMD, 0x14];
const F64X2_SUB = [SIMD, 0xf1, 0x01];
const F64X2_EXTRACT_LANE = [SIMD, 0x21];
const F64X2_ADD = [SIMD, 0xf0, 0x01];
const F64X2_MUL = [SIMD, 0xf2, 0x01];

// Locals: parameters 0–4 (a, b, stride, bytes, out), then a1, a2, a3, b1, o (i32), then the
// accumulators acc0–acc7 and x, y0, y1 (v128).
const [A, B, STRIDE, BYTES, OUT] = [0, 1, 2, 3, 4];
const [A1, A2, A3, B1, O] = [5, 6, 7, 8, 9];
const ACC = 10;
const [X, Y0, Y1] = [18, 19, 20];

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** v128.load of the row at local `base` plus the running offset o, into local `to`. */
function loadRow(base: number, to: number): number[] {
  return [LOCAL_GET, base, LOCAL_GET, O, I32_ADD, ...V128_LOAD, 3, 0, LOCAL_SET, to];
}

/** acc[index] += x · y */
function accumulate(index: number, y: number): number[] {
  return [
    LOCAL_GET,
    ACC + index,
    LOCAL_GET,
    X,
    LOCAL_GET,
    y,
    ...F64X2_MUL,
    ...F64X2_ADD,
    LOCAL_SET,
    ACC + index,
  ];
}

function kernelBody(): number[] {
  const code: number[] = [];
  const addStride = (from: number, to: number) =>
    code.push(LOCAL_GET, from, LOCAL_GET, STRIDE, I32_ADD, LOCAL_SET, to);
  addStride(A, A1);
  addStride(A1, A2);
  addStride(A2, A3);
  addStride(B, B1);
  code.push(BLOCK, VOID, LOOP, VOID);
  code.push(LOCAL_GET, O, LOCAL_GET, BYTES, I32_GE_U, BR_IF, 1);
  code.push(...loadRow(B, Y0), ...loadRow(B1, Y1));
  [A, A1, A2, A3].forEach((row, r) => {
    code.push(...loadRow(row, X), ...accumulate(2 * r, Y0), ...accumulate(2 * r + 1, Y1));
  });
  code.push(LOCAL_GET, O, I32_CONST, 16, I32_ADD, LOCAL_SET, O, BR, 0, END, END);
  for (let m = 0; m < 8; m++) {
    code.push(LOCAL_GET, OUT, LOCAL_GET, ACC + m, ...F64X2_EXTRACT_LANE, 0);
    code.push(LOCAL_GET, ACC + m, ...F64X2_EXTRACT_LANE, 1, F64_ADD);
    code.push(F64_STORE, 3, ...uleb(8 * m));
  }
  code.push(END);
  // Local declarations: 5 × i32, 11 × v128.
  const body = [2, 5, I32, 11, V128, ...code];
  return [...uleb(body.length), ...body];
}

// rank2 locals: parameters v, u, p, w, q, bytes (i32), uj, pj, wj (f64), then o (i32) and the
// splats of uj, pj, wj, the accumulator and a (v128).
const [RV, RU, RP, RW, RQ, RBYTES, RUJ, RPJ, RWJ] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const [RO, SU, SP, SW, RACC, RA] = [9, 10, 11, 12, 13, 14];

/** v128.load of the vector at local `base` plus the running offset. */
function loadAt(base: number): number[] {
  return [LOCAL_GET, base, LOCAL_GET, RO, I32_ADD, ...V128_LOAD, 3, 0];
}

function rank2Body(): number[] {
  const code: number[] = [];
  for (const [from, to] of [
    [RUJ, SU],
    [RPJ, SP],
    [RWJ, SW],
  ] as const) {
    code.push(LOCAL_GET, from, ...F64X2_SPLAT, LOCAL_SET, to);
  }
  code.push(BLOCK, VOID, LOOP, VOID);
  code.push(LOCAL_GET, RO, LOCAL_GET, RBYTES, I32_GE_U, BR_IF, 1);
  // a = v − (uj·p + pj·u)
  code.push(...loadAt(RV), LOCAL_GET, SU, ...loadAt(RP), ...F64X2_MUL);
  code.push(LOCAL_GET, SP, ...loadAt(RU), ...F64X2_MUL, ...F64X2_ADD, ...F64X2_SUB, LOCAL_SET, RA);
  // v ← a
  code.push(LOCAL_GET, RV, LOCAL_GET, RO, I32_ADD, LOCAL_GET, RA, ...V128_STORE, 3, 0);
  // acc += a·w
  code.push(LOCAL_GET, RACC, LOCAL_GET, RA, ...loadAt(RW), ...F64X2_MUL, ...F64X2_ADD);
  code.push(LOCAL_SET, RACC);
  // q ← q + wj·a
  code.push(LOCAL_GET, RQ, LOCAL_GET, RO, I32_ADD, ...loadAt(RQ));
  code.push(LOCAL_GET, RA, LOCAL_GET, SW, ...F64X2_MUL, ...F64X2_ADD, ...V128_STORE, 3, 0);
  code.push(LOCAL_GET, RO, I32_CONST, 16, I32_ADD, LOCAL_SET, RO, BR, 0, END, END);
  code.push(LOCAL_GET, RACC, ...F64X2_EXTRACT_LANE, 0);
  code.push(LOCAL_GET, RACC, ...F64X2_EXTRACT_LANE, 1, F64_ADD, END);
  // Local declarations: 1 × i32, 5 × v128.
  const body = [2, 1, I32, 5, V128, ...code];
  return [...uleb(body.length), ...body];
}

function exportEntry(name: string, kind: number, index: number): number[] {
  const bytes = [...new TextEncoder().encode(name)];
  return [...uleb(bytes.length), ...bytes, kind, index];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [
      2,
      ...[0x60, 5, I32, I32, I32, I32, I32, 0], // dot4x2: (i32 × 5) → ()
      ...[0x60, 9, I32, I32, I32, I32, I32, I32, F64, F64, F64, 1, F64], // rank2: (i32 × 6, f64 × 3) → f64
    ]),
    ...section(3, [2, 0, 1]), // two functions, of types 0 and 1
    ...section(5, [1, 0x00, 1]), // one memory, at least 1 page
    ...section(7, [
      3,
      ...exportEntry('dot4x2', 0x00, 0),
      ...exportEntry('rank2', 0x00, 1),
      ...exportEntry('memory', 0x02, 0),
    ]),
    ...section(10, [2, ...kernelBody(), ...rank2Body()]),
  ]);
}

let cached: SimdKernel | null | undefined;

/** The SIMD kernel, instantiated once; undefined where WebAssembly SIMD is not supported. */
export function simdKernel(): SimdKernel | undefined {
  if (cached === undefined) {
    try {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()));
      const { memory, dot4x2, rank2 } = instance.exports as unknown as SimdKernel;
      cached = { memory, dot4x2, rank2 };
    } catch {
      cached = null;
    }
  }
  return cached ?? undefined;
}

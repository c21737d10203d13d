/**
 * Gradients of gradients through the kernels whose gradients @dale/core replaces
 * (tensorflow/tfjs#3252), against central finite differences of the first derivative.
 *
 * Every check compares an autodiff quantity with (g(x + h v) − g(x − h v)) / 2h, g itself computed
 * by autodiff, h = 1e-2, in float32: rounding ≈ 1e-7 |g| / h = 1e-5 |g| and truncation
 * ≈ h² |g‴| / 6, so the bound is 1e-3 of the largest finite-difference entry (observed worst:
 * 6.7e-5 of it, for Pow with base and exponent both variable). Inputs keep |x W| ≥ 0.045 > h |x|,
 * away from the kinks of Elu, LeakyRelu, max, ….
 *
 * With TensorFlow.js's own output-saving gradients (re-registered in the last block) the same
 * checks are off by 7 % to 37 % of that scale, or fail outright. Observed error / scale, for
 * nested tf.grad and for tf.variableGrads over a loss containing tf.grad: Exp 2.6/7.5 and
 * 1.5/4.2; Tanh 0.54/2.0 and 0.23/1.4; Sigmoid 0.083/0.65 and 0.028/0.42; Softmax 0.10/0.95 and
 * 0.14/0.62; LogSoftmax 0.46/2.3 and 0.25/1.3; Pow (exponent) 0.44/2.0 and 0.36/1.5; Elu throws
 * (EluGrad has no gradient) and 0.85/2.5; LRN throws twice (LRNGrad has no gradient). Only Pow's
 * base gradient, which never used the output, was right.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  GROUP_NORM_KERNEL,
  INPUT_SAVING_GRADIENT_KERNELS,
  MASK_ONLY_OUTPUT_GRADIENT_KERNELS,
  registerSecondOrderGradients,
  useBackend,
  ZERO_GRADIENT_KERNELS,
} from '../src/index.ts';
import { originalGradientConfig } from '../src/second-order-gradients.ts';

type Op = (z: tf.Tensor) => tf.Tensor;

const X = [
  [-0.9, 0.4, 0.7, -0.2],
  [0.3, -0.5, 1.1, 0.6],
  [0.8, 0.2, -0.4, -1.0],
];
const W0 = [
  [0.5, -0.3, 0.2, 0.4],
  [0.1, 0.6, -0.4, 0.3],
  [-0.5, 0.2, 0.45, -0.1],
  [0.3, -0.4, 0.1, 0.5],
];
/** Output weights (the loss Σ c ∘ op(x)) and a probe direction. */
const C = [
  [1, -2, 0.5, 0.3],
  [0.7, 1.3, -1, 0.2],
  [-0.6, 0.4, 0.9, -1.2],
];
const V = [
  [0.3, -0.7, 1.1, 0.4],
  [0.5, -0.2, 0.8, -0.9],
  [-0.4, 0.6, 0.2, 0.7],
];
const H = 1e-2;
const TOLERANCE = 1e-3;

function read(t: tf.Tensor): number[] {
  const out = Array.from(t.dataSync());
  t.dispose();
  return out;
}

function maxAbs(values: readonly number[]): number {
  return Math.max(...values.map(Math.abs));
}

function worstDifference(a: readonly number[], b: readonly number[]): number {
  expect(a).toHaveLength(b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
}

/** LRN on the rows of a matrix (channels = last axis). */
function lrn(radius: number, bias: number, alpha: number, beta: number): Op {
  return (z) => {
    const image = tf.reshape(z, [1, 1, ...z.shape] as [number, number, number, number]);
    return tf.reshape(
      tf.localResponseNormalization(image as tf.Tensor4D, radius, bias, alpha, beta),
      z.shape,
    );
  };
}

/** The LogSoftmax kernel, which no backend implements: a CPU version is registered below. */
const logSoftmaxKernel: Op = (z) =>
  tf.engine().runKernel(tf.LogSoftmax, { logits: z }, { axis: z.rank - 1 }) as tf.Tensor;

function registerLogSoftmaxCpuKernel() {
  tf.registerKernel({
    kernelName: tf.LogSoftmax,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      const cpu = backend as {
        readSync(dataId: object): Float32Array;
        makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
      };
      const logits = inputs.logits!;
      const values = cpu.readSync(logits.dataId);
      const d = logits.shape[logits.shape.length - 1]!;
      const out = new Float32Array(values.length);
      for (let row = 0; row < values.length; row += d) {
        const slice = Array.from(values.subarray(row, row + d));
        const max = Math.max(...slice);
        const logSum = Math.log(slice.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
        for (let j = 0; j < d; j++) out[row + j] = slice[j]! - logSum;
      }
      return cpu.makeTensorInfo(logits.shape, 'float32', out);
    },
  });
}

/**
 * Hv for F(x) = Σ c ∘ x ∘ op(x) by nested tf.grad, vs central differences of g = ∇F along v. (The
 * factor x keeps g connected to x even when op's own gradient term is lost, so a wrong gradient
 * shows as wrong numbers rather than as an error.)
 */
function nestedSecondOrder(op: Op) {
  return tf.tidy(() => {
    const x = tf.tensor2d(X);
    const c = tf.tensor2d(C);
    const v = tf.tensor2d(V);
    const g = (z: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.sum(tf.mul(c, tf.mul(u, op(u)))))(z);
    const autodiff = read(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(v, g(z))))(x));
    const plus = read(g(tf.add(x, tf.mul(H, v))));
    const minus = read(g(tf.sub(x, tf.mul(H, v))));
    const fd = plus.map((p, i) => (p - minus[i]!) / (2 * H));
    return { error: worstDifference(autodiff, fd), scale: maxAbs(fd) };
  });
}

/**
 * The realistic case: tf.variableGrads of L = Σ v ∘ ∇ₓ[Σ v ∘ ψ(x)] (a divergence-like term) for
 * ψ = `model(variables)`, vs central differences of L in every parameter entry.
 */
function parameterSecondOrder(
  model: (x: tf.Tensor, variables: tf.Variable[]) => tf.Tensor,
  initial: tf.Tensor[],
) {
  const variables = initial.map((t) => tf.variable(t));
  const x = tf.tensor2d(X);
  const v = tf.tensor2d(V);
  const loss = () =>
    tf.tidy(() => {
      const jv = tf.grad((z: tf.Tensor) => model(z, variables))(x, v);
      return tf.sum(tf.mul(v, jv)) as tf.Scalar;
    });
  const { value, grads } = tf.variableGrads(loss, variables);
  value.dispose();
  let error = 0;
  let scale = 0;
  for (const variable of variables) {
    const autodiff = read(grads[variable.name]!);
    const base = variable.dataSync().slice();
    const fd: number[] = [];
    for (let i = 0; i < base.length; i++) {
      const at = (delta: number) => {
        const shifted = base.slice();
        shifted[i]! += delta;
        variable.assign(tf.tensor(shifted, variable.shape));
        return read(loss())[0]!;
      };
      fd.push((at(H) - at(-H)) / (2 * H));
      variable.assign(tf.tensor(base, variable.shape));
    }
    error = Math.max(error, worstDifference(autodiff, fd));
    scale = Math.max(scale, maxAbs(fd));
  }
  tf.dispose([...variables, x, v]);
  return { error, scale };
}

/** ψ(x) = op(x W), W a parameter. */
function throughLinear(op: Op) {
  return parameterSecondOrder((x, [W]) => op(tf.matMul(x, W!)), [tf.tensor2d(W0)]);
}

/** A right or wrong second derivative, or an error matching the pattern. */
type Outcome = 'right' | 'wrong' | RegExp;

interface Case {
  readonly kernel: string;
  readonly op: Op;
  /** The kernel's saved tensors for TensorFlow.js's own gradient, and its attributes. */
  readonly original: (x: tf.Tensor) => { saved: tf.Tensor[]; attrs: tf.NamedAttrMap };
  /** The input whose gradient the kernel gives (the other inputs are constants here). */
  readonly input: string;
  /** What TensorFlow.js's own gradient gives [nested tf.grad, tf.variableGrads]. */
  readonly before: readonly [Outcome, Outcome];
}

const lrnNarrow = { radius: 1, bias: 1, alpha: 0.5, beta: 0.75 };
const lrnWide = { radius: 5, bias: 2, alpha: 0.3, beta: 0.5 };
const lrnCase = (p: typeof lrnNarrow): Case => ({
  kernel: tf.LRN,
  op: lrn(p.radius, p.bias, p.alpha, p.beta),
  original: (x) => {
    const image = tf.reshape(x, [1, 1, 3, 4]);
    const y = tf.localResponseNormalization(
      image as tf.Tensor4D,
      p.radius,
      p.bias,
      p.alpha,
      p.beta,
    );
    return { saved: [image, y], attrs: { depthRadius: p.radius, ...p } };
  },
  input: 'x',
  before: [/LRNGrad/, /LRNGrad/],
});

const CASES: readonly (Case & { readonly name: string })[] = [
  {
    name: 'Exp',
    kernel: tf.Exp,
    op: tf.exp,
    original: (x) => ({ saved: [tf.exp(x)], attrs: {} }),
    input: 'x',
    before: ['wrong', 'wrong'],
  },
  {
    name: 'Tanh',
    kernel: tf.Tanh,
    op: tf.tanh,
    original: (x) => ({ saved: [tf.tanh(x)], attrs: {} }),
    input: 'x',
    before: ['wrong', 'wrong'],
  },
  {
    name: 'Sigmoid',
    kernel: tf.Sigmoid,
    op: tf.sigmoid,
    original: (x) => ({ saved: [tf.sigmoid(x)], attrs: {} }),
    input: 'x',
    before: ['wrong', 'wrong'],
  },
  {
    name: 'Elu',
    kernel: tf.Elu,
    op: tf.elu,
    original: (x) => ({ saved: [tf.elu(x)], attrs: {} }),
    input: 'x',
    before: [/EluGrad/, 'wrong'],
  },
  {
    name: 'Softmax',
    kernel: tf.Softmax,
    op: (z) => tf.softmax(z),
    original: (x) => ({ saved: [tf.softmax(x)], attrs: { dim: 1 } }),
    input: 'logits',
    before: ['wrong', 'wrong'],
  },
  {
    name: 'LogSoftmax (a CPU kernel registered by this test)',
    kernel: tf.LogSoftmax,
    op: logSoftmaxKernel,
    original: (x) => ({ saved: [logSoftmaxKernel(x)], attrs: { axis: 1 } }),
    input: 'logits',
    before: ['wrong', 'wrong'],
  },
  {
    name: 'Pow, variable base',
    kernel: tf.Pow,
    op: (z) => tf.pow(tf.add(z, 3), tf.scalar(2.5)),
    original: (x) => {
      const a = tf.add(x, 3);
      const b = tf.scalar(2.5);
      return { saved: [a, b, tf.pow(a, b)], attrs: {} };
    },
    input: 'a',
    // The base's gradient never used the output.
    before: ['right', 'right'],
  },
  {
    name: 'Pow, variable exponent',
    kernel: tf.Pow,
    op: (z) => tf.pow(tf.scalar(1.7), z),
    original: (x) => {
      const a = tf.scalar(1.7);
      return { saved: [a, x, tf.pow(a, x)], attrs: {} };
    },
    input: 'b',
    before: ['wrong', 'wrong'],
  },
  { name: 'LRN, radius 1 of 4 channels', ...lrnCase(lrnNarrow) },
  { name: 'LRN, window wider than the channels', ...lrnCase(lrnWide) },
];

beforeAll(async () => {
  await useBackend('cpu');
  registerLogSoftmaxCpuKernel();
});
afterAll(() => {
  tf.unregisterKernel(tf.LogSoftmax, 'cpu');
});

describe('first derivatives are unchanged', () => {
  for (const c of CASES) {
    it(`${c.name}: equals TensorFlow.js's own gradient and central differences`, () => {
      tf.tidy(() => {
        const x = tf.tensor2d(X);
        const dy = tf.tensor2d(C);
        const ours = tf.grad((z: tf.Tensor) => c.op(z))(x, dy);
        const original = originalGradientConfig(c.kernel);
        expect(original, `TensorFlow.js's gradient for ${c.kernel}`).toBeDefined();
        const { saved, attrs } = c.original(x);
        const theirs = tf.reshape(
          original!.gradFunc(dy.reshape(saved.at(-1)!.shape), saved, attrs)[c.input]!(),
          x.shape,
        );
        const scale = maxAbs(read(tf.abs(theirs)));
        expect(worstDifference(read(ours.clone()), read(theirs))).toBeLessThan(1e-6 * scale);
        // ⟨dy, J v⟩ by central differences of ⟨dy, op(x ± h v)⟩.
        const v = tf.tensor2d(V);
        const at = (sign: number) =>
          read(tf.sum(tf.mul(dy, c.op(tf.add(x, tf.mul(sign * H, v))))))[0]!;
        const fd = (at(1) - at(-1)) / (2 * H);
        const directional = read(tf.sum(tf.mul(ours, v)))[0]!;
        expect(Math.abs(directional - fd)).toBeLessThan(TOLERANCE * Math.max(1, Math.abs(fd)));
      });
    });
  }
});

describe('second derivatives match central differences of the first', () => {
  for (const c of CASES) {
    it(`${c.name}: nested tf.grad and tf.variableGrads over a loss containing tf.grad`, () => {
      const nested = nestedSecondOrder(c.op);
      expect(nested.scale).toBeGreaterThan(0.1);
      expect(nested.error).toBeLessThan(TOLERANCE * nested.scale);
      const parameters = throughLinear(c.op);
      expect(parameters.scale).toBeGreaterThan(0.1);
      expect(parameters.error).toBeLessThan(TOLERANCE * parameters.scale);
    });
  }

  it('Pow with base and exponent both variable, and with a broadcast base or exponent', () => {
    const nested = nestedSecondOrder((z) => tf.pow(tf.add(z, 3), z));
    expect(nested.error).toBeLessThan(TOLERANCE * nested.scale);
    // ψ(x) = (x W + 3)^e + β^(x W): e and β have one entry per column, broadcast over rows.
    const parameters = parameterSecondOrder(
      (x, [W, e, beta]) => {
        const z = tf.matMul(x, W!);
        return tf.add(tf.pow(tf.add(z, 3), e!), tf.pow(beta!, z));
      },
      [tf.tensor2d(W0), tf.tensor1d([0.6, -0.4, 1.2, 2.3]), tf.tensor1d([1.3, 2.0, 0.7, 1.6])],
    );
    expect(parameters.error).toBeLessThan(TOLERANCE * parameters.scale);
  });
});

describe('large inputs', () => {
  it('second derivatives of Elu, Tanh, Sigmoid and Softmax stay finite (and ≈ 0) at |x| = 100', () => {
    const x = tf.tensor2d([[100, -100, 60, -60]]);
    for (const op of [tf.elu, tf.tanh, tf.sigmoid, (z: tf.Tensor) => tf.softmax(z)]) {
      const g = (z: tf.Tensor) =>
        tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.tensor1d([1, 2, 3, 4]), op(u))))(z);
      const second = read(tf.grad((z: tf.Tensor) => tf.sum(g(z)))(x));
      expect(second.every(Number.isFinite), op.name).toBe(true);
      expect(maxAbs(second), op.name).toBeLessThan(1e-6);
    }
    x.dispose();
  });
});

describe('comparison kernels get zero gradients, so masks can be differentiated again', () => {
  const MASKED: Record<string, Op> = {
    'max (Equal)': (z) => tf.mul(z, tf.max(z, 1, true)),
    'min (Equal)': (z) => tf.mul(z, tf.min(z, 1, true)),
    'logSumExp through max (Equal)': (z) => tf.sub(z, tf.logSumExp(z, 1, true)),
    'leakyRelu (Greater)': (z) => tf.mul(z, tf.leakyRelu(z, 0.2)),
    'relu6 (LessEqual)': (z) => tf.mul(z, tf.relu6(tf.mul(z, 8))),
    'clipByValue (LogicalAnd)': (z) => tf.mul(z, tf.clipByValue(z, -0.3, 0.5)),
    'maximum (Less)': (z) => tf.mul(z, tf.maximum(z, tf.scalar(0.1))),
    'where (LogicalNot in its gradient)': (z) =>
      tf.where(tf.greater(z, 0), tf.square(z), tf.mul(z, tf.exp(z))),
  };
  for (const [name, op] of Object.entries(MASKED)) {
    it(`${name}: second derivatives match central differences`, () => {
      const nested = nestedSecondOrder(op);
      expect(nested.error).toBeLessThan(TOLERANCE * nested.scale);
      const parameters = throughLinear(op);
      expect(parameters.error).toBeLessThan(TOLERANCE * parameters.scale);
    });
  }

  it('each gradient is float32 zeros of its input shape, broadcasting included', () => {
    tf.tidy(() => {
      const a = tf.tensor2d(X);
      const b = tf.tensor1d([0.2, 0.4, -0.4, 0.6]);
      for (const kernel of ZERO_GRADIENT_KERNELS) {
        const f = (p: tf.Tensor, q: tf.Tensor) => {
          const inputs: tf.NamedTensorMap =
            kernel === tf.LogicalNot
              ? { x: tf.greater(p, q) }
              : kernel.startsWith('Logical')
                ? { a: tf.greater(p, 0), b: tf.less(q, 0.3) }
                : { a: p, b: q };
          return tf.sum(tf.cast(tf.engine().runKernel(kernel, inputs) as tf.Tensor, 'float32'));
        };
        const [ga, gb] = tf.grads(f)([a, b]);
        expect(ga!.shape, kernel).toEqual([3, 4]);
        expect(gb!.shape, kernel).toEqual([4]);
        expect(ga!.dtype).toBe('float32');
        expect(maxAbs([...read(ga!), ...read(gb!)])).toBe(0);
      }
    });
  });
});

describe('the gradient registry', () => {
  /** Every kernel name tfjs-core exports, and every kernel the CPU backend implements. */
  function kernelNames(): string[] {
    const exported = Object.entries(tf)
      .filter(([key, value]) => typeof value === 'string' && key === value)
      .map(([, value]) => value as string);
    const cpu = tf.getKernelsForBackend('cpu').map((k) => k.kernelName);
    return [...new Set([...exported, ...cpu])].sort();
  }

  it('no kernel but the mask-only ones (and the first-order fused group norm) has a gradient that reuses its output', () => {
    const names = kernelNames();
    expect(names.filter((n) => tf.getGradient(n) != null).length).toBeGreaterThan(100);
    const outputSaving = names.filter((n) => tf.getGradient(n)?.outputsToSave?.some(Boolean));
    // DaleGroupNorm reuses its saved statistics, but is never run under a gradient of a gradient
    // (fusedGroupNormAvailable() is false there; fused-group-norm.test.ts checks that).
    expect(outputSaving).toEqual([...MASK_ONLY_OUTPUT_GRADIENT_KERNELS, GROUP_NORM_KERNEL].sort());
  });

  it('the replaced gradients were exactly the output-saving ones, the new ones save inputs', () => {
    for (const kernel of INPUT_SAVING_GRADIENT_KERNELS) {
      expect(originalGradientConfig(kernel)?.outputsToSave, kernel).toEqual([true]);
      const config = tf.getGradient(kernel);
      expect(config.outputsToSave ?? [], kernel).toEqual([]);
      expect(config.inputsToSave!.length, kernel).toBeGreaterThan(0);
    }
    for (const kernel of ZERO_GRADIENT_KERNELS) {
      expect(originalGradientConfig(kernel), kernel).toBeUndefined();
      expect(tf.getGradient(kernel), kernel).toBeDefined();
    }
  });

  it('registering again changes nothing and prints nothing', () => {
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    const before = [...INPUT_SAVING_GRADIENT_KERNELS, ...ZERO_GRADIENT_KERNELS].map(tf.getGradient);
    registerSecondOrderGradients();
    const after = [...INPUT_SAVING_GRADIENT_KERNELS, ...ZERO_GRADIENT_KERNELS].map(tf.getGradient);
    expect(after).toEqual(before);
    expect(after.every((config, i) => config === before[i])).toBe(true);
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
    warn.mockRestore();
    log.mockRestore();
  });

  it('max pooling still cannot be differentiated twice, and says so (MaxPoolGrad has no gradient)', () => {
    const pool: Op = (z) =>
      tf.reshape(tf.maxPool(tf.reshape(z, [1, 3, 4, 1]) as tf.Tensor4D, 2, 1, 'same'), z.shape);
    expect(() => nestedSecondOrder((z) => tf.mul(z, pool(z)))).toThrow(/MaxPoolGrad/);
  });

  it('tf.logSoftmax, a customGrad composite, is out of reach; x − logSumExp(x) is right', () => {
    const composite = throughLinear((z) => tf.logSoftmax(z));
    expect(composite.error).toBeGreaterThan(0.1 * composite.scale);
    const rewritten = throughLinear((z) => tf.sub(z, tf.logSumExp(z, -1, true)));
    expect(rewritten.error).toBeLessThan(TOLERANCE * rewritten.scale);
    expect(rewritten.scale).toBeCloseTo(composite.scale, 1);
  });
});

describe('memory', () => {
  it('repeated nested gradients through every replaced kernel leave no tensors behind', () => {
    const W = tf.variable(tf.tensor2d(W0));
    const x = tf.tensor2d(X);
    const v = tf.tensor2d(V);
    const step = () => {
      for (const c of CASES) {
        const loss = () =>
          tf.tidy(
            () =>
              tf.sum(
                tf.mul(v, tf.grad((z: tf.Tensor) => c.op(tf.matMul(z, W)))(x, v)),
              ) as tf.Scalar,
          );
        const { value, grads } = tf.variableGrads(loss, [W]);
        tf.dispose([value, grads]);
        tf.tidy(() => tf.grad((z: tf.Tensor) => tf.sum(tf.mul(v, tf.grad(c.op)(z))))(x)).dispose();
      }
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([W, x, v]);
  });
});

describe("TensorFlow.js's own gradients fail these checks (the defect this fixes)", () => {
  const restore = () => registerSecondOrderGradients();

  for (const c of CASES) {
    it(`${c.name}`, () => {
      tf.registerGradient(originalGradientConfig(c.kernel)!);
      try {
        const checks = [() => nestedSecondOrder(c.op), () => throughLinear(c.op)];
        checks.forEach((check, i) => {
          const expected = c.before[i]!;
          if (expected instanceof RegExp) {
            expect(check, `check ${i}`).toThrow(expected);
            return;
          }
          const { error, scale } = check();
          if (expected === 'wrong')
            expect(error, `check ${i}`).toBeGreaterThan(10 * TOLERANCE * scale);
          else expect(error, `check ${i}`).toBeLessThan(TOLERANCE * scale);
        });
      } finally {
        restore();
      }
    });
  }

  it('without the zero gradients, masks cannot be differentiated again', () => {
    tf.unregisterGradient(tf.Equal);
    try {
      expect(() => nestedSecondOrder((z) => tf.mul(z, tf.max(z, 1, true)))).toThrow(
        /gradient function not found for Equal/,
      );
    } finally {
      restore();
    }
  });
});

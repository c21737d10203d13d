/**
 * Gradients that make gradients of gradients right in TensorFlow.js 4.22 (tensorflow/tfjs#3252).
 *
 * TensorFlow.js registers gradients for Exp, Tanh, Sigmoid, Elu, Softmax, LogSoftmax, Pow and LRN
 * that read the op's *output* (`outputsToSave`). The engine saves a copy of that output whose tape
 * entry is recorded *before* the op's own entry, so when a gradient is itself differentiated
 * (`tf.grad(tf.grad(f))`, or `tf.variableGrads` over a loss containing `tf.grad`, as in the
 * divergence term of non-negative score matching) the copy looks independent of the op's input
 * and every second-order term through it is silently dropped (or, where nothing else connects the
 * gradient to the input, `tf.grad` fails). The gradients registered here save the op's *inputs*
 * instead and recompute what they need with differentiable ops: the first derivative is the same
 * formula, and the second is complete. The price is one recomputation of the forward op per
 * backward pass.
 *
 * The gradients of Max, Min, Maximum, Minimum, Pow, LeakyRelu, Prelu, Selu, Relu6, ClipByValue and
 * Select build masks with comparison and logical kernels (Equal, Greater, LessEqual, LogicalNot,
 * …) that TensorFlow.js leaves without a gradient (except GreaterEqual), so differentiating those
 * gradients again fails. These kernels are piecewise constant: they get the zero gradient that
 * GreaterEqual already has.
 *
 * Kernels in {@link MASK_ONLY_OUTPUT_GRADIENT_KERNELS} keep their output-saving gradients: they
 * use the output only to build a selection mask, whose derivative is zero, so nothing is lost.
 * `tf.logSoftmax` is a `customGrad` composite, not the LogSoftmax kernel; its gradient also
 * reuses its output and no registry entry reaches it: under a gradient of a gradient use
 * `tf.sub(x, tf.logSumExp(x, -1, true))` instead.
 * @module
 */
import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

/** Read a numeric kernel attribute. */
function numberAttr(attrs: NamedAttrMap, name: string): number {
  return attrs[name] as number;
}

/** Sum `t`'s last axis over the window |c′ − c| ≤ radius (clipped at the ends), as one matMul. */
function channelWindowSum(t: tf.Tensor, radius: number): tf.Tensor {
  const channels = t.shape[t.rank - 1]!;
  const band = new Float32Array(channels * channels);
  for (let i = 0; i < channels; i++) {
    for (let j = Math.max(0, i - radius); j <= Math.min(channels - 1, i + radius); j++) {
      band[i * channels + j] = 1;
    }
  }
  const flat = tf.reshape(t, [-1, channels]);
  return tf.reshape(tf.matMul(flat, tf.tensor2d(band, [channels, channels])), t.shape);
}

/** Sum `res` over the axes along which `shape` was broadcast to `outShape`, then reshape to it. */
function unbroadcast(res: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, outShape);
  return tf.reshape(axes.length > 0 ? tf.sum(res, axes) : res, shape);
}

const GRADIENTS: readonly GradConfig[] = [
  {
    kernelName: tf.Exp,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.exp(x!)) }),
  },
  {
    kernelName: tf.Tanh,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => tf.mul(tf.sub(tf.scalar(1), tf.square(tf.tanh(x!))), dy as tf.Tensor),
    }),
  },
  {
    kernelName: tf.Sigmoid,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => {
        const y = tf.sigmoid(x!);
        return tf.mul(dy as tf.Tensor, tf.mul(y, tf.sub(tf.scalar(1), y)));
      },
    }),
  },
  {
    // EluGrad: dy where x ≥ 0, dy·(y + 1) = dy·eˣ below. e^min(x, 0) is both, and never overflows
    // (a `where` between the branches would make the second derivative 0·∞ = NaN for large x).
    kernelName: tf.Elu,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => tf.mul(dy as tf.Tensor, tf.exp(tf.minimum(x!, tf.scalar(0, x!.dtype)))),
    }),
  },
  {
    kernelName: tf.Softmax,
    inputsToSave: ['logits'],
    gradFunc: (dy, [logits], attrs) => ({
      logits: () => {
        const dim = numberAttr(attrs, 'dim');
        const y = tf.softmax(logits!, dim);
        const dyTimesY = tf.mul(dy as tf.Tensor, y);
        return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y));
      },
    }),
  },
  {
    // No backend implements this kernel (tf.logSoftmax is a customGrad composite), but a backend
    // that does must not bring the defect back.
    kernelName: tf.LogSoftmax,
    inputsToSave: ['logits'],
    gradFunc: (dy, [logits], attrs) => ({
      logits: () => {
        const axis = numberAttr(attrs, 'axis');
        const softmax = tf.softmax(logits!, axis);
        return tf.sub(dy as tf.Tensor, tf.mul(tf.sum(dy as tf.Tensor, axis, true), softmax));
      },
    }),
  },
  {
    kernelName: tf.Pow,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [base, exponent]) => {
      const a = base!;
      const b = exponent!;
      const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return {
        a: () => {
          const bFloat = tf.cast(b, 'float32');
          const res = tf.mul(
            dy as tf.Tensor,
            tf.mul(bFloat, tf.pow(a, tf.sub(bFloat, tf.scalar(1)))),
          );
          return unbroadcast(res, a.shape, outShape);
        },
        b: () => {
          const logBase = tf.where(tf.greater(a, 0), tf.log(a), tf.zerosLike(a));
          const res = tf.mul(dy as tf.Tensor, tf.mul(tf.pow(a, b), logBase));
          return unbroadcast(res, b.shape, outShape);
        },
      };
    },
  },
  {
    // y = x·N^(−β), N = bias + α Σ_window x²; the window is symmetric, so
    // ∂L/∂x = dy·N^(−β) − 2αβ x Σ_window(dy·x·N^(−β−1)) (the LRNGrad kernel's formula).
    kernelName: tf.LRN,
    inputsToSave: ['x'],
    gradFunc: (dy, [input], attrs) => ({
      x: () => {
        const x = input!;
        const radius = numberAttr(attrs, 'depthRadius');
        const alpha = numberAttr(attrs, 'alpha');
        const beta = numberAttr(attrs, 'beta');
        const norm = tf.add(
          tf.scalar(numberAttr(attrs, 'bias')),
          tf.mul(tf.scalar(alpha), channelWindowSum(tf.square(x), radius)),
        );
        const direct = tf.mul(dy as tf.Tensor, tf.pow(norm, tf.scalar(-beta)));
        const cross = channelWindowSum(
          tf.mul(tf.mul(dy as tf.Tensor, x), tf.pow(norm, tf.scalar(-beta - 1))),
          radius,
        );
        return tf.sub(direct, tf.mul(tf.mul(tf.scalar(2 * alpha * beta), x), cross));
      },
    }),
  },
];

/** Zero gradients, shaped and typed like each input (float32, as backpropagation requires). */
function zeroGradient(kernelName: string, inputs: readonly string[]): GradConfig {
  return {
    kernelName,
    inputsToSave: [...inputs],
    gradFunc: (_dy, saved) =>
      Object.fromEntries(inputs.map((name, i) => [name, () => tf.zeros(saved[i]!.shape)])),
  };
}

const ZERO_GRADIENTS: readonly GradConfig[] = [
  ...[tf.Equal, tf.NotEqual, tf.Greater, tf.Less, tf.LessEqual, tf.LogicalAnd, tf.LogicalOr].map(
    (name) => zeroGradient(name, ['a', 'b']),
  ),
  zeroGradient(tf.LogicalNot, ['x']),
];

/**
 * The kernels whose gradient {@link registerSecondOrderGradients} replaces with one that saves
 * the kernel's inputs: Exp, Tanh, Sigmoid, Elu, Softmax, LogSoftmax, Pow, LRN.
 */
export const INPUT_SAVING_GRADIENT_KERNELS: readonly string[] = GRADIENTS.map((g) => g.kernelName);

/**
 * The comparison and logical kernels that {@link registerSecondOrderGradients} gives a zero
 * gradient, where TensorFlow.js registers none: Equal, NotEqual, Greater, Less, LessEqual,
 * LogicalAnd, LogicalOr, LogicalNot.
 */
export const ZERO_GRADIENT_KERNELS: readonly string[] = ZERO_GRADIENTS.map((g) => g.kernelName);

/**
 * The kernels whose registered gradient may keep reusing the output: Max, Min, MaxPool and
 * MaxPool3D compare the output with the input to select where the gradient goes, and that mask has
 * zero derivative, so the second-order terms lost through it are zero.
 */
export const MASK_ONLY_OUTPUT_GRADIENT_KERNELS: readonly string[] = [
  tf.Max,
  tf.Min,
  tf.MaxPool,
  tf.MaxPool3D,
];

/** The gradients TensorFlow.js had registered before {@link registerSecondOrderGradients} ran. */
const replaced = new Map<string, GradConfig>();

/**
 * Register input-saving gradients for {@link INPUT_SAVING_GRADIENT_KERNELS} and zero gradients for
 * {@link ZERO_GRADIENT_KERNELS}. Importing `@dale/core` does this once, after
 * `@tensorflow/tfjs` has registered its own; call it again to restore them after registering
 * other gradients for these kernels. Idempotent.
 */
export function registerSecondOrderGradients(): void {
  for (const config of [...GRADIENTS, ...ZERO_GRADIENTS]) {
    const current = tf.getGradient(config.kernelName);
    if (current === config) continue;
    if (current && !replaced.has(config.kernelName)) replaced.set(config.kernelName, current);
    tf.registerGradient(config);
  }
}

/**
 * The gradient TensorFlow.js registered for `kernelName` before @dale/core replaced it, if it
 * did: for tests that compare with, or demonstrate the defect of, the original.
 */
export function originalGradientConfig(kernelName: string): GradConfig | undefined {
  return replaced.get(kernelName);
}

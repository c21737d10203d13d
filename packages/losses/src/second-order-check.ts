/**
 * A guard against silently wrong second derivatives in TensorFlow.js 4.22.
 *
 * When an op's registered gradient reuses the op's *output* (`outputsToSave`: Exp, Tanh,
 * Sigmoid, Softmax, …), the engine saves a copy of that output whose tape entry precedes the
 * op's own, so a gradient taken *through* a gradient (the divergence term of non-negative score
 * matching, differentiated w.r.t. model parameters) drops every term that flows through the
 * saved output — with no error (tensorflow/tfjs#3252). This module detects that situation.
 * Importing `@dale/core` registers input-saving gradients for these kernels, so the check only
 * fires when output-saving gradients have been registered again since.
 * @module
 */
import { DaleError, MASK_ONLY_OUTPUT_GRADIENT_KERNELS } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

interface TapeNodeLike {
  readonly kernelName: string;
  readonly inputs: Readonly<Record<string, tf.Tensor | undefined>>;
  readonly outputs: readonly tf.Tensor[];
  readonly saved?: readonly tf.Tensor[];
}

interface EngineStateLike {
  readonly gradientDepth?: number;
  readonly activeTape?: TapeNodeLike[] | null;
}

/**
 * Kernels that save their output only to build a selection mask (the mask has zero derivative),
 * so the lost terms are zero and they are safe.
 */
const MASK_ONLY = new Set(MASK_ONLY_OUTPUT_GRADIENT_KERNELS);

function engineState(): EngineStateLike | undefined {
  return (tf.engine() as unknown as { state?: EngineStateLike }).state;
}

function reusesOutput(kernelName: string): boolean {
  if (MASK_ONLY.has(kernelName)) return false;
  const config = tf.getGradient(kernelName);
  return config?.outputsToSave?.some(Boolean) ?? false;
}

/**
 * Evaluate `fn(x)` where `x` is the variable of an inner gradient. If an outer gradient is being
 * recorded (e.g. inside `tf.variableGrads`), throw a clear error when an op between `x` and the
 * result reuses its output in its gradient and that output depends on a `tf.Variable`: the outer
 * gradient w.r.t. that variable would be wrong. Without an outer gradient it is just `fn(x)`.
 */
export function evaluateForSecondOrder(
  fn: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  what: string,
): tf.Tensor {
  const state = engineState();
  const tape = state?.activeTape;
  // The inner gradient itself adds one level; a deeper level means someone differentiates us.
  if (!tape || (state?.gradientDepth ?? 0) < 2) return fn(x);
  const start = tape.length;
  const y = fn(x);
  const fromVariable = new Set<number>();
  const fromX = new Set<number>([x.id]);
  const offending = new Set<string>();
  for (let k = 0; k < tape.length; k++) {
    const node = tape[k]!;
    const inputs = Object.values(node.inputs).filter((v): v is tf.Tensor => v != null);
    const usesVariable = inputs.some((v) => v instanceof tf.Variable || fromVariable.has(v.id));
    if (usesVariable) for (const o of node.outputs) fromVariable.add(o.id);
    if (k < start || !inputs.some((v) => fromX.has(v.id))) continue;
    for (const o of node.outputs) fromX.add(o.id);
    if (usesVariable && reusesOutput(node.kernelName)) offending.add(node.kernelName);
  }
  if (offending.size > 0) {
    // The error aborts the outer gradient, whose tape would otherwise keep its saved tensors.
    for (const node of tape) for (const saved of node.saved ?? []) saved.dispose();
    throw new DaleError(
      'unsupported-second-order-gradient',
      `${what}: differentiating this loss w.r.t. model parameters needs second derivatives, and ` +
        `TensorFlow.js 4.22 silently drops the second-order terms through ops whose registered ` +
        `gradient reuses the op's output (tensorflow/tfjs#3252); the model uses ` +
        `${[...offending].join(', ')}. Build the model from ops whose gradients reuse their inputs ` +
        `(matMul, add, mul, div, log, square, sqrt, relu, …), or register input-saving gradients ` +
        `for these kernels (tf.registerGradient with inputsToSave).`,
    );
  }
  return y;
}

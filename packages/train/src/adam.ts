import { DaleError } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link Adam}. */
export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba 2015) with its whole state in the open — first and second moments per weight
 * and the step count — so that a checkpoint captures it exactly. The bias corrections 1 − βᵗ are
 * computed in float64 from the step count, so a resumed run takes bit-identical steps to an
 * uninterrupted one (TensorFlow.js's own Adam rebuilds βᵗ differently after `setWeights`).
 */
export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Updates applied so far. */
  step = 0;
  readonly #moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(options: AdamOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
  }

  #momentsOf(name: string, like: tf.Tensor): { m: tf.Variable; v: tf.Variable } {
    let entry = this.#moments.get(name);
    if (!entry) {
      entry = {
        m: tf.variable(tf.zerosLike(like), false),
        v: tf.variable(tf.zerosLike(like), false),
      };
      this.#moments.set(name, entry);
    }
    return entry;
  }

  /** Apply one update with learning rate `lr` to `variables` (name → variable) given `grads` (name → gradient). */
  apply(
    variables: ReadonlyMap<string, tf.Variable>,
    grads: ReadonlyMap<string, tf.Tensor>,
    lr: number,
  ): void {
    this.step += 1;
    const correction1 = 1 - this.beta1 ** this.step;
    const correction2 = 1 - this.beta2 ** this.step;
    tf.tidy(() => {
      for (const [name, variable] of variables) {
        const g = grads.get(name);
        if (!g) continue;
        const { m, v } = this.#momentsOf(name, variable);
        const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v1 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(m1);
        v.assign(v1);
        const update = tf.div(
          tf.div(m1, correction1),
          tf.add(tf.sqrt(tf.div(v1, correction2)), this.epsilon),
        );
        variable.assign(tf.sub(variable, tf.mul(update, lr)));
      }
    });
  }

  /** The state as named tensors (`<weight>.m`, `<weight>.v`) plus the step count. */
  state(): { tensors: Map<string, tf.Tensor>; step: number } {
    const tensors = new Map<string, tf.Tensor>();
    for (const [name, { m, v }] of this.#moments) {
      tensors.set(`${name}.m`, m);
      tensors.set(`${name}.v`, v);
    }
    return { tensors, step: this.step };
  }

  /**
   * Restore a state saved with {@link Adam.state} (the tensors are copied). With
   * `check.variables` (name → variable, as {@link Adam.apply} takes them), every moment must
   * belong to a variable of its shape, else a `DaleError` (`'invalid-checkpoint'`) names the
   * moment, both shapes and `check.where` (e.g. the optimizer file), and nothing is restored.
   */
  restore(
    tensors: ReadonlyMap<string, tf.Tensor>,
    step: number,
    check?: { readonly variables: ReadonlyMap<string, tf.Variable>; readonly where?: string },
  ): void {
    if (check) {
      const where = check.where ?? 'Adam.restore';
      for (const [key, tensor] of tensors) {
        const name = /^(.*)\.(m|v)$/.exec(key)?.[1];
        const variable = name === undefined ? undefined : check.variables.get(name);
        const problem = !variable
          ? 'belongs to no weight of the model'
          : tf.util.arraysEqual(variable.shape, tensor.shape)
            ? undefined
            : `has shape [${tensor.shape.join(', ')}] but the weight has shape [${variable.shape.join(', ')}]`;
        if (problem) {
          throw new DaleError(
            'invalid-checkpoint',
            `${where}: the optimizer state '${key}' ${problem}: this optimizer state does not belong to the checkpoint's model. Restore the checkpoint from a copy, or start a new run in another folder`,
          );
        }
      }
    }
    this.dispose();
    this.step = step;
    for (const [key, tensor] of tensors) {
      const match = /^(.*)\.(m|v)$/.exec(key);
      if (!match) continue;
      const [, name, which] = match;
      const entry = this.#momentsOf(name!, tensor);
      entry[which as 'm' | 'v'].assign(tensor);
    }
  }

  dispose(): void {
    for (const { m, v } of this.#moments.values()) tf.dispose([m, v]);
    this.#moments.clear();
  }
}

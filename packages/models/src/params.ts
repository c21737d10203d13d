/**
 * Parameter trees: nested plain objects and arrays whose leaves are tensors. A model's weights
 * are a tree of `tf.Variable`s; `apply` accepts the same tree with any tensors at the leaves
 * (the EMA shadow weights, tensors loaded from a checkpoint, tensors being differentiated).
 * @module
 */
import { DaleError } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/** A node of a {@link TensorTree}: a tensor (a leaf) or a subtree. */
export type TensorNode<T extends tf.Tensor = tf.Tensor> = T | TensorTree<T>;

/**
 * A nested structure of plain objects and arrays with tensors of type `T` at the leaves. The root
 * is an object or an array, so every leaf has a non-empty name.
 */
export type TensorTree<T extends tf.Tensor = tf.Tensor> =
  | readonly TensorNode<T>[]
  | { readonly [key: string]: TensorNode<T> };

/** A model's trainable weights: a {@link TensorTree} of `tf.Variable`s. */
export type ParamTree = TensorTree<tf.Variable>;

/**
 * The tree `P` (an object or array of tensors) with any tensor at the leaves: what `apply`
 * accepts. A tree of variables is one, so `model.apply(model.params, x, t)` type-checks, and so
 * does a tree of plain tensors (EMA copies, tensors being differentiated with `tf.grads`).
 * Written as a mapped type over `P` so that `Model<C, P>` stays covariant in `P` (an
 * `MlpModel` is a `Model`); an open-ended {@link ParamTree} node inside maps to {@link TensorNode}.
 */
export type TensorsOf<P> = {
  readonly [K in keyof P]: P[K] extends tf.Tensor
    ? tf.Tensor
    : ParamTree extends P[K]
      ? TensorNode
      : TensorsOf<P[K]>;
};

/** The separator of path segments in parameter names, e.g. `layers.0.weight`. */
const SEPARATOR = '.';

function visit(
  node: unknown,
  path: string,
  out: Array<[string, tf.Tensor]>,
  seen: Set<unknown>,
): void {
  if (node instanceof tf.Tensor) {
    if (path === '') {
      throw new DaleError(
        'invalid-params',
        'parameter tree: the root must be an object or an array of tensors, got a bare tensor',
      );
    }
    out.push([path, node]);
    return;
  }
  if (node === null || typeof node !== 'object') {
    throw new DaleError(
      'invalid-params',
      `parameter tree: the leaf at ${JSON.stringify(path)} must be a tensor, got ${node === null ? 'null' : typeof node}`,
    );
  }
  if (seen.has(node)) {
    throw new DaleError(
      'invalid-params',
      `parameter tree: the node at ${JSON.stringify(path)} appears twice (trees must not share nodes)`,
    );
  }
  seen.add(node);
  const entries: Array<[string, unknown]> = Array.isArray(node)
    ? node.map((child, i) => [String(i), child])
    : Object.entries(node);
  for (const [key, child] of entries) {
    if (key === '' || key.includes(SEPARATOR)) {
      throw new DaleError(
        'invalid-params',
        `parameter tree: key ${JSON.stringify(key)} under ${JSON.stringify(path)} must be non-empty and contain no "${SEPARATOR}"`,
      );
    }
    visit(child, path ? `${path}${SEPARATOR}${key}` : key, out, seen);
  }
}

/**
 * The leaves of a tree as an ordered list of `[name, tensor]` pairs. Names join the path with
 * dots (`layers.0.weight`); the order is depth-first in key insertion order (array elements by
 * index), so the same factory always yields the same names in the same order — the names used
 * for checkpoint files. Throws a `DaleError` for a leaf that is not a tensor, a key containing a
 * dot, or a node that appears twice.
 */
export function flattenParams<T extends tf.Tensor>(tree: TensorTree<T>): Array<[string, T]> {
  const out: Array<[string, tf.Tensor]> = [];
  visit(tree, '', out, new Set());
  return out as Array<[string, T]>;
}

/** The total number of scalar parameters in a tree (the sum of its leaves' sizes). */
export function parameterCount(tree: TensorTree): number {
  let count = 0;
  for (const [, tensor] of flattenParams(tree)) count += tensor.size;
  return count;
}

/** Dispose every tensor (or variable) in a tree. */
export function disposeParams(tree: TensorTree): void {
  for (const [, tensor] of flattenParams(tree)) tensor.dispose();
}

/**
 * A new tree of the same structure whose leaves are `f(leaf, name)` (`name` as in
 * {@link flattenParams}); e.g. {@link cloneParams} is `mapParams(tree, (v) => tf.variable(v))`.
 */
export function mapParams<P extends TensorTree, T extends tf.Tensor>(
  tree: P,
  f: (leaf: tf.Tensor, name: string) => T,
): TensorTree<T> {
  const build = (node: unknown, path: string): unknown => {
    if (node instanceof tf.Tensor) return f(node, path);
    const join = (key: string) => (path ? `${path}${SEPARATOR}${key}` : key);
    if (Array.isArray(node)) return node.map((child, i) => build(child, join(String(i))));
    return Object.fromEntries(
      Object.entries(node as object).map(([key, child]) => [key, build(child, join(key))]),
    );
  };
  flattenParams(tree); // validate first, so a bad tree fails before anything is allocated
  return build(tree, '') as TensorTree<T>;
}

/**
 * New variables with the same structure, names and values as `tree` (copies: later changes to
 * either do not affect the other). `trainable` defaults to true.
 */
export function cloneParams<P extends ParamTree>(tree: P, trainable = true): P {
  return mapParams(tree, (leaf) => tf.variable(leaf, trainable)) as unknown as P;
}

/**
 * Pair each leaf of `target` with the leaf of `source` of the same name, checking that both trees
 * have the same names and shapes (a `DaleError` naming the parameter otherwise). `what` prefixes
 * error messages. The building block of {@link assignParams} and the EMA.
 */
export function pairParams<T extends tf.Tensor>(
  target: TensorTree<T>,
  source: TensorTree,
  what: string,
): Array<[T, tf.Tensor]> {
  const targets = flattenParams(target);
  const sources = new Map(flattenParams(source));
  const pairs = targets.map(([name, leaf]): [T, tf.Tensor] => {
    const value = sources.get(name);
    if (!value) {
      throw new DaleError(
        'invalid-params',
        `${what}: the source has no parameter ${JSON.stringify(name)}`,
      );
    }
    if (!tf.util.arraysEqual(value.shape, leaf.shape)) {
      throw new DaleError(
        'invalid-params',
        `${what}: parameter ${JSON.stringify(name)} must have shape [${leaf.shape.join(', ')}], got [${value.shape.join(', ')}]`,
      );
    }
    return [leaf, value];
  });
  if (sources.size > targets.length) {
    const known = new Set(targets.map(([name]) => name));
    const extra = [...sources.keys()].filter((name) => !known.has(name));
    throw new DaleError(
      'invalid-params',
      `${what}: the source has parameters the target lacks: ${extra.join(', ')}`,
    );
  }
  return pairs;
}

/**
 * Copy the values of `source` into the variables of `target`. Both trees must have the same
 * parameter names and shapes; a mismatch throws a `DaleError` naming the parameter, before any
 * variable is changed.
 */
export function assignParams<P extends ParamTree>(target: P, source: P | TensorsOf<P>): void {
  const pairs = pairParams<tf.Variable>(target, source as TensorTree, 'assignParams');
  for (const [variable, value] of pairs) variable.assign(value);
}

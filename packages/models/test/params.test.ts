import { DaleError } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assignParams,
  cloneParams,
  disposeParams,
  flattenParams,
  mapParams,
  parameterCount,
} from '../src/index.ts';
import { onCpu, values } from './helpers.ts';

beforeAll(onCpu);

function sample() {
  // tidy frees the initial values; the variables keep their data.
  return tf.tidy(() => ({
    embed: tf.variable(tf.ones([4, 2])),
    layers: [
      { weight: tf.variable(tf.fill([2, 3], 2)), bias: tf.variable(tf.zeros([3])) },
      { weight: tf.variable(tf.fill([3, 1], 3)), bias: tf.variable(tf.zeros([1])) },
    ],
    scale: tf.variable(tf.scalar(5)),
  }));
}

describe('parameter trees', () => {
  it('flattens depth-first in insertion order with dotted names', () => {
    const p = sample();
    const flat = flattenParams(p);
    expect(flat.map(([name, v]) => [name, v.shape])).toEqual([
      ['embed', [4, 2]],
      ['layers.0.weight', [2, 3]],
      ['layers.0.bias', [3]],
      ['layers.1.weight', [3, 1]],
      ['layers.1.bias', [1]],
      ['scale', []],
    ]);
    expect(flat[1]![1]).toBe(p.layers[0]!.weight); // the leaves themselves, not copies
    expect(parameterCount(p)).toBe(8 + 6 + 3 + 3 + 1 + 1);
    disposeParams(p);
  });

  it('rejects non-tensor leaves, dotted keys and shared nodes, naming the path', () => {
    const v = tf.variable(tf.zeros([1]));
    expect(() => flattenParams({ a: { b: 3 } } as never)).toThrow(
      /leaf at "a.b" must be a tensor, got number/,
    );
    expect(() => flattenParams({ 'x.y': v })).toThrow(/key "x.y" .* contain no "."/);
    const shared = { w: v };
    expect(() => flattenParams({ a: shared, b: shared })).toThrow(/node at "b" appears twice/);
    expect(() => flattenParams({ a: null } as never)).toThrow(DaleError);
    expect(() => flattenParams(v as never)).toThrow(/root must be an object or an array/);
    v.dispose();
  });

  it('clones into independent variables, maps leaves, and frees everything on dispose', () => {
    const before = tf.memory().numTensors;
    const p = sample();
    const copy = cloneParams(p, false);
    expect(copy.layers[1]!.weight).not.toBe(p.layers[1]!.weight);
    expect(copy.layers[1]!.weight.trainable).toBe(false);
    tf.tidy(() => p.layers[1]!.weight.assign(tf.zeros([3, 1])));
    expect(Array.from(values(copy.layers[1]!.weight))).toEqual([3, 3, 3]);
    const doubled = mapParams(p, (leaf, name) =>
      name === 'scale' ? tf.mul(leaf, 2) : tf.clone(leaf),
    );
    expect(values((doubled as { scale: tf.Tensor }).scale)[0]).toBe(10);
    disposeParams(doubled);
    disposeParams(copy);
    disposeParams(p);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('assigns values by name, and names the parameter on a mismatch', () => {
    const target = sample();
    const source = sample();
    source.scale.assign(tf.scalar(-1));
    assignParams(target, source);
    expect(values(target.scale)[0]).toBe(-1);
    const badShape = { ...source, embed: tf.zeros([2, 4]) };
    expect(() => assignParams(target, badShape)).toThrow(
      /parameter "embed" must have shape \[4, 2\], got \[2, 4\]/,
    );
    const { scale: _, ...missing } = source;
    expect(() => assignParams(target, missing as never)).toThrow(/source has no parameter "scale"/);
    const extra = { ...source, more: tf.zeros([1]) };
    expect(() => assignParams(target, extra as never)).toThrow(/parameters the target lacks: more/);
    tf.dispose([badShape.embed, extra.more]);
    disposeParams(target);
    disposeParams(source);
  });
});

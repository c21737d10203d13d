/**
 * The graph-model feature extractor: a hand-written GraphDef (Placeholder → Conv2D → Relu → Mean)
 * with its weights shard, loaded from disk through fileSystemHandler, against the same computation
 * written with tf ops (including the grey → RGB, bilinear resize and [−1, 1] preprocessing).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng, randomUniform } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accumulateFeatures, FeatureStatistics, loadInceptionV3 } from '../src/index.ts';
import { onCpu } from './helpers.ts';

beforeAll(onCpu);
const dir = mkdtempSync(join(tmpdir(), 'dale-graph-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIZE = 8;
const FEATURES = 4;
const kernel = Float32Array.from(
  { length: 3 * 3 * 3 * FEATURES },
  (_, i) => Math.sin(i * 0.7) * 0.5,
);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const dims = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size) })) });

function writeModel(): string {
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'hand',
    convertedBy: '@dale/metrics test',
    modelTopology: {
      node: [
        {
          name: 'x',
          op: 'Placeholder',
          attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims(-1, SIZE, SIZE, 3) } },
        },
        {
          name: 'w',
          op: 'Const',
          attr: {
            dtype: { type: 'DT_FLOAT' },
            value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(3, 3, 3, FEATURES) } },
          },
        },
        {
          name: 'axes',
          op: 'Const',
          attr: {
            dtype: { type: 'DT_INT32' },
            value: { tensor: { dtype: 'DT_INT32', tensorShape: dims(2) } },
          },
        },
        {
          name: 'conv',
          op: 'Conv2D',
          input: ['x', 'w'],
          attr: {
            T: { type: 'DT_FLOAT' },
            strides: { list: { i: ['1', '1', '1', '1'] } },
            dilations: { list: { i: ['1', '1', '1', '1'] } },
            padding: { s: b64('SAME') },
            data_format: { s: b64('NHWC') },
          },
        },
        { name: 'relu', op: 'Relu', input: ['conv'], attr: { T: { type: 'DT_FLOAT' } } },
        {
          name: 'pool',
          op: 'Mean',
          input: ['relu', 'axes'],
          attr: { keep_dims: { b: false }, T: { type: 'DT_FLOAT' }, Tidx: { type: 'DT_INT32' } },
        },
      ],
      versions: { producer: 1 },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'w', shape: [3, 3, 3, FEATURES], dtype: 'float32' },
          { name: 'axes', shape: [2], dtype: 'int32' },
        ],
      },
    ],
  };
  const weights = new Uint8Array(kernel.byteLength + 8);
  weights.set(new Uint8Array(kernel.buffer), 0);
  weights.set(new Uint8Array(Int32Array.from([1, 2]).buffer), kernel.byteLength);
  writeFileSync(join(dir, 'group1-shard1of1.bin'), weights);
  const path = join(dir, 'model.json');
  writeFileSync(path, JSON.stringify(modelJson));
  return path;
}

/** The same network and preprocessing, written with tf ops. */
function reference(images: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const rgb = images.shape[3] === 1 ? tf.concat([images, images, images], 3) : images;
    const x = tf.sub(
      tf.mul(tf.image.resizeBilinear(rgb as tf.Tensor4D, [SIZE, SIZE], false, true), 2),
      1,
    );
    const conv = tf.relu(
      tf.conv2d(x as tf.Tensor4D, tf.tensor4d(kernel, [3, 3, 3, FEATURES]), 1, 'same'),
    );
    return tf.mean(conv, [1, 2]) as tf.Tensor2D;
  });
}

describe('graph-model feature extractor', () => {
  const path = writeModel();

  it('loads model.json + shard from a path and a file:// URL and matches the tf-ops computation', async () => {
    for (const location of [path, pathToFileURL(path).href]) {
      const extractor = await loadInceptionV3(location, {
        inputSize: SIZE,
        featureDim: FEATURES,
        batchSize: 3,
        name: 'tiny',
      });
      expect([extractor.name, extractor.featureDim]).toEqual(['tiny', FEATURES]);
      for (const channels of [1, 3]) {
        const images = randomUniform(Rng.fromSeed(channels), [7, 5, 5, channels]) as tf.Tensor4D;
        const got = extractor.extract(images); // 7 images in batches of 3
        const want = reference(images);
        expect(got.shape).toEqual([7, FEATURES]);
        const g = got.dataSync();
        const w = want.dataSync();
        for (let i = 0; i < g.length; i++) expect(Math.abs(g[i]! - w[i]!)).toBeLessThan(1e-6);
        expect(Math.max(...w)).toBeGreaterThan(0.01); // the features are not trivially zero
        tf.dispose([images, got, want]);
      }
    }
  });

  it('accumulateFeatures streams batches into statistics without leaking tensors', async () => {
    const extractor = await loadInceptionV3(path, {
      inputSize: SIZE,
      featureDim: FEATURES,
      batchSize: 4,
    });
    const images = randomUniform(Rng.fromSeed(3), [10, 6, 6, 1]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const batches = [tf.slice(images, [0], [4]), tf.slice(images, [4], [6])] as tf.Tensor4D[];
    const stats = await accumulateFeatures(extractor, batches);
    tf.dispose(batches);
    expect(tf.memory().numTensors).toBe(before);
    const all = extractor.extract(images);
    const direct = new FeatureStatistics(FEATURES).add(all);
    for (const [x, y] of [
      [stats.mean(), direct.mean()],
      [stats.covariance(), direct.covariance()],
    ]) {
      for (let i = 0; i < x!.length; i++) expect(Math.abs(x![i]! - y![i]!)).toBeLessThan(1e-6);
    }
    tf.dispose([images, all]);
  });

  it('names a missing model.json', async () => {
    await expect(loadInceptionV3(join(dir, 'absent', 'model.json'))).rejects.toThrow(
      /cannot read model.json/,
    );
  });
});

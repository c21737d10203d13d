/**
 * A Node file-system `IOHandler` for TensorFlow.js models: model.json plus its weight shards.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaleError } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * An IOHandler that loads a TensorFlow.js model (layers or graph format) from `modelJsonPath`
 * (a path or a `file://` URL to model.json); weight shards are read relative to its directory.
 */
export function fileSystemHandler(modelJsonPath: string): tf.io.IOHandler {
  const path = modelJsonPath.startsWith('file://') ? fileURLToPath(modelJsonPath) : modelJsonPath;
  return {
    async load() {
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await readFile(path, 'utf8')) as tf.io.ModelJSON;
      } catch (cause) {
        throw new DaleError(
          'model-unavailable',
          `fileSystemHandler: cannot read model.json at ${path}`,
          {
            cause,
          },
        );
      }
      if (json.modelTopology == null) {
        throw new DaleError(
          'invalid-model',
          `fileSystemHandler: ${path} must have a modelTopology`,
        );
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const shard of group.paths) {
            const bytes = await readFile(join(dirname(path), shard));
            buffers.push(
              bytes.buffer.slice(
                bytes.byteOffset,
                bytes.byteOffset + bytes.byteLength,
              ) as ArrayBuffer,
            );
          }
        }
        return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/**
 * InceptionV3 pool features from a TensorFlow.js graph model loaded from a file or URL (Node).
 * @module
 */
import { importPeer } from '@dale/core';
import type { FeatureExtractor } from './feature-extractor.ts';
import { fileSystemHandler } from './file-io-handler.ts';
import { type GraphModelExtractorOptions, graphModelExtractor } from './graph-model-extractor.ts';

/**
 * Load a TensorFlow.js graph model (model.json + weight shards) from a file path, a `file://` URL or
 * an http(s) URL, and wrap it as the InceptionV3 feature extractor. See the README for how to obtain
 * a converted InceptionV3. It needs the optional peer `@tensorflow/tfjs-converter`
 * (`npm install @tensorflow/tfjs-converter@^4.22.0`); without it, it fails with a `DaleError` of
 * code `'missing-peer'` that says so.
 */
export async function loadInceptionV3(
  location: string,
  options: GraphModelExtractorOptions = {},
): Promise<FeatureExtractor> {
  const remote = /^https?:\/\//.test(location);
  const { loadGraphModel } = await importPeer(
    '@tensorflow/tfjs-converter',
    () => import('@tensorflow/tfjs-converter'),
    { range: '^4.22.0', neededBy: 'loadInceptionV3 (@dale/metrics)' },
  );
  const model = await loadGraphModel(remote ? location : fileSystemHandler(location));
  return graphModelExtractor(model, options);
}

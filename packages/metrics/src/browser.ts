/**
 * `@dale/metrics` for browsers and bundlers (the `browser` export condition): FID, KID,
 * precision/recall, nearest neighbours, streaming feature statistics and graph-model features,
 * without the Node-only parts (`domainExtractor`, `domainSplits`, `loadInceptionV3`,
 * `fileSystemHandler`, `loadFeatureStatistics`, `saveFeatureStatistics`), which read files.
 * @module
 */
export {
  accumulateFeatures,
  type FeatureExtractor,
} from './extractors/feature-extractor.ts';
export {
  type GraphModelExtractorOptions,
  type GraphModelLike,
  graphModelExtractor,
  inceptionPreprocess,
} from './extractors/graph-model-extractor.ts';
export { type FeatureMatrix, type Features, toFeatureMatrix } from './feature-matrix.ts';
export { FeatureStatistics } from './feature-statistics.ts';
export { fid, frechetDistance, type GaussianMoments, traceSqrtProduct } from './frechet.ts';
export { type KidOptions, type KidResult, kid } from './kid.ts';
export { type PivotedCholesky, pivotedCholesky } from './linalg/pivoted-cholesky.ts';
export { type SymmetricEigen, symmetricEigen } from './linalg/symmetric-eigen.ts';
export {
  type NearestNeighbourReport,
  nearestNeighbours,
} from './nearest-neighbours.ts';
export { type NeighbourSheetOptions, neighbourSheet } from './neighbour-sheet.ts';
export {
  type PrecisionRecall,
  type PrecisionRecallOptions,
  precisionRecall,
} from './precision-recall.ts';

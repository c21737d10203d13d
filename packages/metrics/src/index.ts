/**
 * `@dale/metrics`: sample-quality metrics (FID, KID, precision/recall, nearest neighbours) in
 * float64, streaming feature statistics and feature extractors.
 * @packageDocumentation
 */
export {
  type DisposableFeatureExtractor,
  type DomainDataset,
  type DomainExtractorOptions,
  domainExtractor,
} from './extractors/domain-extractor.ts';
export { type DomainSplits, domainSplits, kmnistTestSplit } from './extractors/domain-splits.ts';
export {
  accumulateFeatures,
  type FeatureExtractor,
} from './extractors/feature-extractor.ts';
export { fileSystemHandler } from './extractors/file-io-handler.ts';
export {
  type GraphModelExtractorOptions,
  type GraphModelLike,
  graphModelExtractor,
  inceptionPreprocess,
} from './extractors/graph-model-extractor.ts';
export { loadInceptionV3 } from './extractors/inception.ts';
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
export { loadFeatureStatistics, saveFeatureStatistics } from './statistics-file.ts';

/**
 * `@dale/data`: datasets, positivity transforms and synthetic ground truths for dale.
 *
 * Everything here is pure JavaScript and runs in browsers too: the readers take bytes,
 * decompression is fflate's. What needs Node (file system, cache, downloads, `loadDataset`,
 * image folders) is in `@dale/data/node`.
 * @packageDocumentation
 */
export {
  type Checksum,
  CIFAR10,
  DATASETS,
  type DatasetName,
  type DatasetSpec,
  FASHION_MNIST,
  type FileSpec,
  KMNIST,
  MIRRORS,
  MNIST,
  type Split,
  type SplitSource,
} from './catalog.ts';
export type { Batch, LastBatchPolicy } from './dataset/batch.ts';
export {
  type BatchOptions,
  type EpochOptions,
  ImageDataset,
  type ImageDatasetInit,
} from './dataset/image-dataset.ts';
export {
  type LogDataStatistics,
  logDataStatistics,
  priorMismatchNats,
  wideHorizon,
} from './dataset/log-statistics.ts';
export {
  type ClassAverageStartOptions,
  classAverageStart,
  fitNoisedPrior,
  type NoisedPriorOptions,
} from './dataset/noised-prior.ts';
export {
  type DecodeInfo,
  datasetFromCifarArchive,
  datasetFromCifarBatches,
  datasetFromIdx,
  datasetFromNpz,
  type FileBytes,
} from './decode.ts';
export { DatasetFormatError, DatasetUnavailableError, DownloadError } from './errors.ts';
export {
  CIFAR_RECORD_BYTES,
  CIFAR_RECORDS_PER_BATCH,
  type CifarBatch,
  type CifarBatchOptions,
  readCifarBatch,
} from './formats/cifar.ts';
export { crc32 } from './formats/crc32.ts';
export { type GunzipOptions, gunzip, isGzip, maybeGunzip } from './formats/gzip.ts';
export {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  type IdxArray,
  type IdxImages,
  readIdx,
  readIdxImages,
  readIdxLabels,
} from './formats/idx.ts';
export { type NpyArray, readNpy } from './formats/npy.ts';
export { readNpzArray } from './formats/npz.ts';
export {
  type DecodedImage,
  decodePng,
  hasPngSignature,
  type PngInfo,
  type PngOptions,
  readPngInfo,
} from './formats/png.ts';
export { encodePng, type RawImage } from './formats/png-encode.ts';
export { readTar, type TarEntry } from './formats/tar.ts';
export { readZip, type ZipEntry, type ZipOptions } from './formats/zip.ts';
export { convertChannels, LUMA_WEIGHTS } from './image/channels.ts';
export { type GridOptions, imageGrid } from './image/grid.ts';
export { BYTE_VALUES, toPixelBytes } from './image/pixels.ts';
export { type ImageValues, type ResizeMethod, resizeImage } from './image/resize.ts';
export {
  GaussianMixture,
  type MixtureComponent,
  normalCdf,
  perTime,
} from './synthetic/gaussian-mixture.ts';
export { ksDistance } from './synthetic/ks.ts';
export { LogNormalMixture } from './synthetic/lognormal-mixture.ts';
export {
  type Bounds2D,
  checkerboard,
  type PositiveMap,
  positiveToy,
  ring,
  type ToyShape,
  type ToyShapeConfig,
  toyFromConfig,
  twoMoons,
} from './synthetic/toy-2d.ts';
export {
  type AffineConfig,
  affineTransform,
  type DequantizeConfig,
  type DequantizeOptions,
  dequantizeTransform,
  type PositivityTransform,
  type ShiftConfig,
  shiftTransform,
  type TransformConfig,
  transformFromConfig,
} from './transforms/positivity.ts';

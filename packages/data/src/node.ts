/**
 * `@dale/data/node`: what needs Node — the file system, the dataset cache, downloads with retries,
 * `loadDataset` / `loadMnist` and friends, folders of PNG images, atomic file writes. The main
 * entry `@dale/data` has no Node imports and runs in browsers.
 *
 * @example
 * ```ts
 * import { loadMnist } from '@dale/data/node';
 * const mnist = await loadMnist({ split: 'test' }); // $DALE_DATA_DIR, the cache, or a download
 * ```
 * @packageDocumentation
 */
export { AtomicFile, writeFileAtomic } from './node/atomic-file.ts';
export { hashFile } from './node/checksum.ts';
export {
  backoffDelay,
  type DownloadOptions,
  type DownloadProgress,
  downloadFile,
  type RetryInfo,
  type RetryOptions,
} from './node/download.ts';
export {
  type ImageFolderFile,
  type ImageFolderOptions,
  inspectImageFolder,
  loadImageFolder,
} from './node/image-folder.ts';
export {
  datasetSpec,
  type LoadOptions,
  loadCifar10,
  loadDataset,
  loadFashionMnist,
  loadKmnist,
  loadMnist,
} from './node/load.ts';
export {
  dataDirFromEnv,
  defaultCacheDir,
  ENV,
  type Env,
  mirrorFromEnv,
  offlineFromEnv,
} from './node/locations.ts';
export {
  resolveFiles,
  type SearchLocation,
  type SourceOptions,
  searchLocations,
} from './node/resolve.ts';

/**
 * Saving and loading {@link FeatureStatistics} files in Node (atomic writes).
 * @module
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@dale/data/node';
import { FeatureStatistics } from './feature-statistics.ts';

/** Write `stats` to `path` atomically (see {@link FeatureStatistics.toBytes} for the format). */
export async function saveFeatureStatistics(path: string, stats: FeatureStatistics): Promise<void> {
  await writeFileAtomic(path, stats.toBytes());
}

/** Read statistics written by {@link saveFeatureStatistics}. */
export async function loadFeatureStatistics(path: string): Promise<FeatureStatistics> {
  return FeatureStatistics.fromBytes(new Uint8Array(await readFile(path)));
}

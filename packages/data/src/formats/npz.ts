/**
 * NumPy's .npz format: a zip archive of .npy files (`np.savez` / `np.savez_compressed`).
 * @module
 */
import { DatasetFormatError } from '../errors.ts';
import { type NpyArray, readNpy } from './npy.ts';
import { readZip, type ZipOptions } from './zip.ts';

/**
 * Read one array from a .npz archive; KMNIST's files hold a single `arr_0`.
 * @throws {DatasetFormatError} when the archive or the array is malformed, or `name` is absent.
 */
export function readNpzArray(
  bytes: Uint8Array,
  file: string,
  name = 'arr_0',
  options: ZipOptions = {},
): NpyArray {
  const entries = readZip(bytes, file, options);
  const entry = entries.find((e) => e.name === `${name}.npy`);
  if (!entry) {
    const present = entries.map((e) => e.name).join(', ') || 'none';
    throw new DatasetFormatError(
      file,
      `the .npz archive holds no '${name}.npy' (entries: ${present})`,
    );
  }
  try {
    return readNpy(entry.read(), file);
  } catch (error) {
    if (!(error instanceof DatasetFormatError)) throw error;
    throw new DatasetFormatError(file, `${entry.name}: ${error.problem}`, { cause: error });
  }
}

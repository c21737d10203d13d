// Timing helpers shared by the Node bench (unet-small.ts) and its browser page (browser/page.ts):
// nothing here imports a Node module.

/** Median and all runs (ms) of `fn`, `runs` times after one warm-up. */
export async function timeRuns(
  runs: number,
  fn: () => Promise<unknown>,
): Promise<{ median: number; all: number[] }> {
  await fn();
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    all.push(performance.now() - start);
  }
  const sorted = [...all].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, all };
}

/** max |a − b| over two equally long arrays. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

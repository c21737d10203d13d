// FID of two sets of 10,000 × 2048 features on this machine: streaming float64 statistics
// (batches of 500) for each set, then the Fréchet distance. Prints a table and one JSON line.
// Run: node --conditions=@dale/source packages/metrics/bench/fid.ts [samples] [dim]
import { Rng } from '@dale/core';
import { FeatureStatistics, frechetDistance } from '@dale/metrics';

const samples = Number(process.argv[2] ?? 10_000);
const dim = Number(process.argv[3] ?? 2048);
const batch = 500;
const rng = Rng.fromSeed(2024);

/** Correlated, non-negative features like pooled ReLU activations: relu(z + shift + 0.5·z_next). */
function featureBatch(rows: number, shift: number): Float32Array {
  const z = new Float32Array(rows * dim);
  rng.fillNormal(z);
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) {
      const v = z[r * dim + j]! + 0.5 * z[r * dim + ((j + 1) % dim)]! + shift;
      out[r * dim + j] = Math.max(0, v);
    }
  }
  return out;
}

function accumulate(shift: number): { stats: FeatureStatistics; seconds: number } {
  const stats = new FeatureStatistics(dim);
  let seconds = 0;
  for (let start = 0; start < samples; start += batch) {
    const rows = Math.min(batch, samples - start);
    const data = featureBatch(rows, shift);
    const t0 = performance.now();
    stats.add({ data, rows, dim });
    seconds += (performance.now() - t0) / 1000;
  }
  return { stats, seconds };
}

const a = accumulate(0.3);
const b = accumulate(0.4);
let t0 = performance.now();
const ma = { mean: a.stats.mean(), covariance: a.stats.covariance() };
const mb = { mean: b.stats.mean(), covariance: b.stats.covariance() };
const momentsSeconds = (performance.now() - t0) / 1000;
t0 = performance.now();
const fidValue = frechetDistance(ma, mb);
const frechetSeconds = (performance.now() - t0) / 1000;

const rows: [string, string][] = [
  ['samples × dim (each set)', `${samples} × ${dim}`],
  ['statistics, set A (s)', a.seconds.toFixed(2)],
  ['statistics, set B (s)', b.seconds.toFixed(2)],
  ['mean + covariance (s)', momentsSeconds.toFixed(2)],
  ['Fréchet distance (s)', frechetSeconds.toFixed(2)],
  ['FID from stored reference stats (s)', (b.seconds + momentsSeconds + frechetSeconds).toFixed(2)],
  [
    'FID from both feature sets (s)',
    (a.seconds + b.seconds + momentsSeconds + frechetSeconds).toFixed(2),
  ],
  ['FID', fidValue.toPrecision(8)],
];
for (const [k, v] of rows) console.log(`${k.padEnd(38)} ${v}`);
console.log(
  JSON.stringify({
    bench: 'fid',
    samples,
    dim,
    statsSecondsA: a.seconds,
    statsSecondsB: b.seconds,
    momentsSeconds,
    frechetSeconds,
    totalSeconds: a.seconds + b.seconds + momentsSeconds + frechetSeconds,
    fid: fidValue,
    node: process.version,
  }),
);

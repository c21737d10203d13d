/**
 * Time loading full MNIST (60,000 training + 10,000 test images) from the gzip IDX files:
 * read, gunzip (CRC-checked), parse, SHA-256 verification, dataset construction.
 *
 *   node --conditions=@dale/source packages/data/bench/load-mnist.ts [runs]
 *
 * Needs DALE_DATA_DIR (or the files in the dale cache); never downloads. Prints a table and a
 * JSON line with the median of `runs` (default 7) timed runs after one warm-up.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type LoadOptions, loadMnist } from '../src/node.ts';

const runs = Number(process.argv[2] ?? 7);
const base: LoadOptions = { download: false };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function time(options: LoadOptions): Promise<{ ms: number; size: number }> {
  const start = performance.now();
  const dataset = await loadMnist(options);
  return { ms: performance.now() - start, size: dataset.size };
}

const cases: { name: string; options: LoadOptions }[] = [
  { name: 'train (60k), verified', options: { ...base, split: 'train' } },
  { name: 'train (60k), no SHA-256', options: { ...base, split: 'train', verify: false } },
  { name: 'test (10k), verified', options: { ...base, split: 'test' } },
];

const results: {
  case: string;
  images: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
}[] = [];
for (const c of cases) {
  await time(c.options); // warm-up (JIT, page cache)
  const samples: number[] = [];
  let size = 0;
  for (let i = 0; i < runs; i++) {
    const r = await time(c.options);
    samples.push(r.ms);
    size = r.size;
  }
  results.push({
    case: c.name,
    images: size,
    medianMs: Number(median(samples).toFixed(1)),
    minMs: Number(Math.min(...samples).toFixed(1)),
    maxMs: Number(Math.max(...samples).toFixed(1)),
    runs,
  });
}

const header = ['case', 'images', 'median ms', 'min ms', 'max ms'];
const rows = results.map((r) => [
  r.case,
  String(r.images),
  String(r.medianMs),
  String(r.minMs),
  String(r.maxMs),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
console.log(`load-mnist: ${runs} runs per case, node ${process.version}, ${cpus().length} CPUs`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const row of rows) console.log(line(row));
console.log(JSON.stringify({ bench: 'load-mnist', node: process.version, results }));

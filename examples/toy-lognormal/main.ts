// The toy end to end: `pnpm demo` (or `node --conditions=@dale/source examples/toy-lognormal/main.ts
// [--out runs/toy-lognormal] [toy-lognormal.png]`). Trains an MLP score network with M-DSM on a 2-D
// log-normal mixture (with @dale/train, whose run directory — checkpoint/, metrics.jsonl — goes to
// --out), samples it with every sampler, prints the distance to the truth and writes
// toy-lognormal.png (samples over the target density).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import '@dale/backend-wasm';
import { useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { scatterOverDensity } from './src/plot.ts';
import { runToy } from './src/run.ts';
import { toyTarget } from './src/target.ts';

const args = parseArgs({
  options: { out: { type: 'string', default: 'runs/toy-lognormal' } },
  allowPositionals: true,
});
const outDir = resolve(args.values.out);
const out = resolve(args.positionals[0] ?? 'toy-lognormal.png');
const backend = await useBackend(process.env.DALE_BACKEND ?? 'auto');
console.log(`backend: ${backend.name} (${backend.device})`);

const report = await runToy({ outDir, log: (line) => console.log(line) });
console.log(
  `\ntrained in ${report.trainSeconds.toFixed(1)} s (final M-DSM loss ${report.finalLoss.toFixed(4)})`,
);
console.log('\nsampler                | KS to target | sliced W1 (log) | score evals | seconds');
console.log('-----------------------|--------------|-----------------|-------------|--------');
const row = (name: string, ks: number, w1: number, nfe: string, sec: string) =>
  console.log(
    `${name.padEnd(23)}| ${ks.toFixed(3).padEnd(13)}| ${w1.toFixed(3).padEnd(16)}| ${nfe.padEnd(12)}| ${sec}`,
  );
row('exact (MC floor)', report.floor.ks, report.floor.w1, '-', '-');
for (const r of report.results) row(r.name, r.ks, r.w1, String(r.nfe), r.seconds.toFixed(1));

const png = scatterOverDensity(
  (points) =>
    tf.tidy(
      () =>
        toyTarget.logProb(tf.tensor2d(points, [points.length / 2, 2])).dataSync() as Float32Array,
    ),
  [
    { title: 'exact', points: report.exact },
    ...report.results.map((r) => ({ title: r.name, points: r.values })),
  ],
  { lo: 0.2, hi: 4 },
);
writeFileSync(out, png);
console.log(`\nwrote ${out} (training run: ${outDir})`);

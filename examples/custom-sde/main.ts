// A user-defined SDE family end to end:
//
//   node --conditions=@dale/source examples/custom-sde/main.ts
//
// Registers the exponential Ornstein–Uhlenbeck family of src/exp-ou.ts, trains an MLP score network
// on a 1-D two-mode log-normal target with `train()` of @dale/train, reloads it from the checkpoint
// (the SDE through `sdeFromConfig`), samples with the registered Dale–Langevin sampler and prints the
// Kolmogorov–Smirnov distance of each sample to the target's exact CDF.
import '@dale/backend-wasm';
import { useBackend } from '@dale/core';
import { FULL_RUN, runExample } from './src/run.ts';

const backend = await useBackend(process.env.DALE_BACKEND ?? 'auto');
console.log(`backend: ${backend.name} (${backend.device})`);
const started = performance.now();
const report = await runExample({ ...FULL_RUN, log: (line) => console.log(line) });
console.log(`\nfinished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`final M-DSM loss (mean of the last 10% of steps): ${report.finalLoss.toFixed(4)}\n`);
console.log(`KS distance to the target, ${FULL_RUN.samples} samples each`);
const rows: Array<[string, number]> = [
  ['exact draws (Monte Carlo floor)', report.exact],
  ['prior (stationary law, where sampling starts)', report.prior],
  ['Dale–Langevin, exact score of p_t', report.exactScore],
  ['Dale–Langevin, trained MLP', report.model],
];
for (const [label, ks] of rows) console.log(`  ${label.padEnd(48)}${ks.toFixed(4)}`);

// `pnpm bench`: every benchmark, each in its own process (a crash in one — e.g. the WebAssembly
// heap running out — is reported and the others still run). Prints each bench's table and JSON.
//   pnpm bench [--quick]   (--quick: unet-small at batch 16 only, no FID)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
const node = (script: string, ...args: string[]) => ({
  name: [script, ...args].join(' '),
  command: [process.execPath, '--conditions=@dale/source', join(root, script), ...args],
});
const benches = [
  node('packages/data/bench/load-mnist.ts'),
  ...(quick ? [] : [node('bench/unet-small.ts', '--batch', '64')]),
  node('bench/unet-small.ts', '--batch', '16'),
  ...(quick ? [] : [node('packages/metrics/bench/fid.ts')]),
];
let failures = 0;
for (const bench of benches) {
  console.log(`\n== ${bench.name}`);
  const started = performance.now();
  const run = spawnSync(bench.command[0]!, bench.command.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  process.stdout.write(run.stdout);
  if (run.status !== 0) {
    failures += 1;
    const reason =
      run.stderr.split('\n').find((line) => /Error|Aborted/.test(line)) ??
      `exit code ${run.status}`;
    console.log(
      `FAILED after ${((performance.now() - started) / 1000).toFixed(0)} s: ${reason.trim()}`,
    );
  }
}
console.log(`\n${benches.length - failures} of ${benches.length} benchmarks completed`);

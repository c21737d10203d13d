// RSS, JS heap and tensor count (after a forced GC) over a long training run:
// node --expose-gc --conditions=@dale/source packages/train/bench/rss.ts [backend] [steps]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import { runToy } from '../test/fixtures/toy-run.ts';

await useBackend(process.argv[2] ?? 'cpu');
const dir = mkdtempSync(join(tmpdir(), 'dale-rss-'));
const steps = Number(process.argv[3] ?? 2000);
const { result } = runToy(dir, {
  steps,
  checkpointEvery: 250,
  onStep: (m) => {
    if (m.step % 250 === 0) {
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      console.log(
        `step ${m.step}: rss ${(rss / 2 ** 20).toFixed(1)} MiB, heap ${(heapUsed / 2 ** 20).toFixed(1)} MiB, tensors ${tf.memory().numTensors}`,
      );
    }
  },
});
await result;
rmSync(dir, { recursive: true, force: true });

/**
 * Time one training step (forward, gradients of all weights, SGD update) of a toy 3-convolution
 * network (batch 64, 28×28, channels 1 → 32 → 32 → 1, 3×3 'same', ReLU, mean squared loss) on the
 * `cpu` and `wasm` backends:
 *
 *   node --conditions=@dale/source packages/backend-wasm/bench/conv-grad.ts [runs] [cpuRuns]
 *
 * Prints the median of `runs` (default 5) timed steps after one warm-up step for wasm, and of
 * `cpuRuns` (default 1, the cpu step takes tens of seconds) for cpu, then a JSON line.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Rng, randomNormal, useBackend } from '@dale/core';
import * as tf from '@tensorflow/tfjs-core';
import '../src/index.ts';

const runs = Number(process.argv[2] ?? 5);
const cpuRuns = Number(process.argv[3] ?? 1);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timeStep(backend: string, timed: number): Promise<number[]> {
  await useBackend(backend);
  const rng = Rng.fromSeed(0);
  const x = randomNormal(rng, [64, 28, 28, 1]) as tf.Tensor4D;
  const target = randomNormal(rng, [64, 28, 28, 1]);
  const ws = [
    [3, 3, 1, 32],
    [3, 3, 32, 32],
    [3, 3, 32, 1],
  ].map((shape) => tf.variable(tf.mul(randomNormal(rng, shape), 0.1)));
  const optimizer = tf.train.sgd(0.01);
  const loss = () => {
    let h: tf.Tensor4D = x;
    ws.forEach((w, i) => {
      h = tf.conv2d(h, w as tf.Tensor4D, 1, 'same');
      if (i < ws.length - 1) h = tf.relu(h);
    });
    return tf.mean(tf.square(tf.sub(h, target))) as tf.Scalar;
  };
  const times: number[] = [];
  for (let i = 0; i <= timed; i++) {
    const start = performance.now();
    const value = optimizer.minimize(loss, true)!;
    value.dataSync();
    await ws[0]!.data();
    if (i > 0) times.push(performance.now() - start);
    value.dispose();
  }
  tf.dispose([x, target, ...ws]);
  optimizer.dispose();
  return times;
}

const wasm = await timeStep('wasm', runs);
const cpu = await timeStep('cpu', cpuRuns);
const row = (name: string, t: number[]) =>
  console.log(
    `${name.padEnd(6)} median ${median(t).toFixed(0).padStart(7)} ms   runs ${t.map((v) => v.toFixed(0)).join(', ')}`,
  );
console.log(
  `one training step, batch 64, 28×28, 1→32→32→1 (${cpus().length} CPUs, ${cpus()[0]?.model})`,
);
row('wasm', wasm);
row('cpu', cpu);
console.log(
  JSON.stringify({
    wasmMedianMs: median(wasm),
    cpuMedianMs: median(cpu),
    speedup: median(cpu) / median(wasm),
  }),
);

// `pnpm bench` part: unet-small at batch 64 — one training step, one Dale–Langevin sampling
// step and one forward pass per available backend, peak RSS, and in the same run the anchors a
// user would weigh: the same network in PyTorch CPU (train and sampling step) and, exported to
// ONNX from the PyTorch twin, onnxruntime-node (forward pass). Each anchor is skipped with a
// message where it is missing (bench/anchors.ts).
//   node --conditions=@dale/source bench/unet-small.ts [--backends wasm,webgpu,cpu] [--runs 3] [--batch 64]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '@dale/backend-wasm';
import '@dale/backend-webgpu';
import { Rng, randomUniform, useBackend } from '@dale/core';
import { mdsmLoss } from '@dale/losses';
import { createUnet, flattenParams, scoreFnFromModel, UNET_SMALL } from '@dale/models';
import { saveCheckpoint } from '@dale/models/node';
import { daleLangevinSampler } from '@dale/samplers';
import { gbm } from '@dale/sde';
import { Adam, accumulatedGradients } from '@dale/train';
import * as tf from '@tensorflow/tfjs-core';
import { anchorPackage, anchorVersion, exportOnnx, ortNodeForward } from './anchors.ts';
import { maxAbsDiff, timeRuns } from './timing.ts';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,webgpu' },
    runs: { type: 'string', default: '3' },
    batch: { type: 'string', default: '64' },
    torch: { type: 'string', default: '' },
    // Micro-batch size of the training step (gradient accumulation, @dale/train's
    // accumulatedGradients). The whole batch 64 fits in the wasm heap (peak RSS ~1.8 GiB) but runs
    // slower than 2 micro-batches of 32 (less cache-friendly), which were also ~8% faster than 4 of
    // 16. Default: 32 for batches above 32, else the whole batch.
    micro: { type: 'string', default: '' },
  },
});
// Named backends are always measured; by default a software WebGPU adapter (Mesa's lavapipe on a
// machine without a GPU: about 50x slower than wasm for this network) is skipped.
const backendsNamed = process.argv.some((a) => a.startsWith('--backends'));
const runs = Number(args.runs);
const batch = Number(args.batch);
const micro = args.micro ? Number(args.micro) : batch > 32 ? 32 : undefined;

const median = (fn: () => Promise<unknown> | unknown) => timeRuns(runs, async () => fn());

// No positivity check inside the loss (x0 is 1 + uniform): it is a synchronous read, which
// TensorFlow.js's WebGPU backend cannot do in Node, and PyTorch's step has no such check either.
const sde = gbm({ checkPositive: false });
const results: Record<string, unknown>[] = [];
const checkpointDir = mkdtempSync(join(tmpdir(), 'dale-bench-'));
const skipped: { backend: string; reason: string }[] = [];
/** The first backend's forward-pass output on x0 at t = 0.5, to check the ONNX anchor against. */
let daleForward: Float32Array | undefined;
let x0Values: Float32Array | undefined;
for (const backend of args.backends.split(',')) {
  let chosen: Awaited<ReturnType<typeof useBackend>>;
  try {
    chosen = await useBackend(backend);
  } catch (error) {
    skipped.push({ backend, reason: error instanceof Error ? error.message : String(error) });
    continue;
  }
  if (chosen.software && !backendsNamed) {
    skipped.push({
      backend,
      reason: `software adapter (${chosen.device}); --backends ${backend} measures it`,
    });
    continue;
  }
  const model = createUnet(UNET_SMALL, Rng.fromSeed(0));
  if (results.length === 0) await saveCheckpoint(join(checkpointDir, 'ckpt'), { model });
  const variables = new Map(flattenParams(model.params).map(([n, v]) => [n, v as tf.Variable]));
  const adam = new Adam();
  const score = scoreFnFromModel(model, sde);
  const rng = Rng.fromSeed(1);
  const x0 = tf.tidy(() => tf.add(1, randomUniform(rng, [batch, 28, 28, 1])));
  const trainStep = async () => {
    const { value, grads } = accumulatedGradients(
      (x, stream) => mdsmLoss(score, x, { sde, rng: stream, weighting: 'noise-prediction' }),
      x0,
      rng,
      [...variables.values()],
      micro,
    );
    const named = new Map([...variables].map(([n, v]) => [n, grads[v.name]!]));
    adam.apply(variables, named, 2e-4);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  const sampleStep = async () => {
    const x = await daleLangevinSampler(score, sde, {
      init: x0,
      rng,
      times: [0.5, 0.5 - 6.16545e-4],
    });
    await x.data();
    x.dispose();
  };
  const forwardPass = async () => {
    const eps = tf.tidy(() => model.apply(model.params, x0, 0.5));
    const values = (await eps.data()) as Float32Array;
    eps.dispose();
    return values;
  };
  try {
    if (daleForward === undefined) {
      daleForward = await forwardPass();
      x0Values = (await x0.data()) as Float32Array;
    }
    const train = await median(trainStep);
    const sample = await median(sampleStep);
    const forward = await median(async () => {
      await forwardPass();
    });
    results.push({
      backend: chosen.name,
      device: chosen.device,
      software: chosen.software,
      trainStepMs: train.median,
      trainRunsMs: train.all,
      sampleStepMs: sample.median,
      sampleRunsMs: sample.all,
      forwardMs: forward.median,
      forwardRunsMs: forward.all,
    });
  } catch (error) {
    // e.g. a backend that runs out of memory or lacks a kernel: recorded, the others still run.
    const reason = error instanceof Error ? error.message : String(error);
    skipped.push({ backend: chosen.name, reason: `failed while measuring: ${reason}` });
  }
  tf.dispose([x0, ...variables.values()]);
  adam.dispose();
}
const peakRssMiB = process.resourceUsage().maxRSS / 1024;

const pythons = [args.torch, '/usr/bin/python3', 'python3'].filter(Boolean);
let torchResult: Record<string, number | string> | undefined;
for (const python of pythons) {
  try {
    const out = execFileSync(
      python,
      [
        join(import.meta.dirname, 'torch_unet_small.py'),
        join(checkpointDir, 'ckpt'),
        String(batch),
        String(runs),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    torchResult = JSON.parse(out.trim().split('\n').pop()!);
    break;
  } catch {
    // no torch for this interpreter: try the next
  }
}

// onnxruntime-node on the ONNX export of the same network (same weights), forward pass at t = 0.5.
let ortResult: Record<string, unknown> | undefined;
let ortSkipped: string | undefined;
const ortPackage = anchorPackage('onnxruntime-node');
if ('missing' in ortPackage) ortSkipped = ortPackage.missing;
else if (x0Values === undefined || daleForward === undefined) ortSkipped = 'no dale backend ran';
else {
  const onnx = exportOnnx(pythons, join(checkpointDir, 'ckpt'), join(checkpointDir, 'unet.onnx'));
  if ('missing' in onnx) ortSkipped = onnx.missing;
  else {
    const threads = Math.min(2, availableParallelism());
    const ort = await ortNodeForward(ortPackage.dir, onnx.path, x0Values, batch, runs, threads);
    ortResult = {
      version: anchorVersion(ortPackage.dir),
      threads,
      forwardMs: ort.median,
      forwardRunsMs: ort.all,
      maxAbsDiffFromDale: maxAbsDiff(ort.output, daleForward),
    };
  }
}
rmSync(checkpointDir, { recursive: true, force: true });

console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} CPUs, Node ${process.version}`,
);
console.log(
  `unet-small (1,585,153 parameters), batch ${batch}${micro ? ` (ours: ${batch / micro} micro-batches of ${micro})` : ''}, median of ${runs} runs after a warm-up; peak RSS ${peakRssMiB.toFixed(0)} MiB`,
);
console.log(
  'backend          | train step ms | ratio vs torch | DL sample step ms | ratio vs torch | forward ms | ratio vs onnxruntime-node',
);
console.log(
  '-----------------|---------------|----------------|-------------------|----------------|------------|--------------------------',
);
const ratio = (ours: number, theirs: number | undefined) =>
  theirs ? `${(ours / theirs).toFixed(2)}×` : 'n/a';
for (const r of results) {
  const t = r.trainStepMs as number;
  const s = r.sampleStepMs as number;
  const f = r.forwardMs as number;
  console.log(
    `${String(r.backend).padEnd(17)}| ${t.toFixed(0).padEnd(14)}| ${ratio(t, torchResult?.trainStepMs as number).padEnd(15)}| ${s.toFixed(0).padEnd(18)}| ${ratio(s, torchResult?.sampleStepMs as number).padEnd(15)}| ${f.toFixed(0).padEnd(11)}| ${ratio(f, ortResult?.forwardMs as number)}`,
  );
}
for (const { backend, reason } of skipped) console.log(`${backend.padEnd(17)}| skipped: ${reason}`);
if (torchResult) {
  console.log(
    `${`pytorch ${torchResult.torch}`.padEnd(17)}| ${(torchResult.trainStepMs as number).toFixed(0).padEnd(14)}| 1.00×          | ${(torchResult.sampleStepMs as number).toFixed(0).padEnd(18)}| 1.00×`,
  );
} else {
  console.log('pytorch          | not installed (apt-get install python3-torch) — no ratio');
}
if (ortResult) {
  const diff = (ortResult.maxAbsDiffFromDale as number).toExponential(1);
  console.log(
    `${`ort-node ${ortResult.version}`.padEnd(17)}| ${''.padEnd(14)}| ${''.padEnd(15)}| ${''.padEnd(18)}| ${''.padEnd(15)}| ${(ortResult.forwardMs as number).toFixed(0).padEnd(11)}| 1.00× (${ortResult.threads} threads; max |output − dale's| ${diff})`,
  );
} else {
  console.log(`onnxruntime-node | skipped: ${ortSkipped}`);
}
console.log(
  JSON.stringify({
    bench: 'unet-small',
    batch,
    microBatch: micro ?? batch,
    runs,
    peakRssMiB,
    results,
    skipped,
    torch: torchResult ?? null,
    onnxruntimeNode: ortResult ?? { skipped: ortSkipped },
    machine: { cpu: cpus()[0]?.model, cpus: availableParallelism(), node: process.version },
  }),
);

// The page of bench/browser.ts: unet-small in this browser on dale's wasm (and WebGPU where an
// adapter exists) — a training step, a Dale–Langevin sampling step and a forward pass — and the
// same network exported to ONNX on onnxruntime-web's wasm (a forward pass), median of `runs`
// after a warm-up. Reads `batch`, `runs` and `backends` from the query string; leaves the result
// as JSON in `window.benchResult` and `main[data-state]` = done | error.
import '@dale/backend-wasm';
import '@dale/backend-webgpu';
import { Rng, randomUniform, useBackend } from '@dale/core';
import { mdsmLoss } from '@dale/losses';
import { createUnet, flattenParams, scoreFnFromModel, UNET_SMALL } from '@dale/models';
import { daleLangevinSampler } from '@dale/samplers';
import { gbm } from '@dale/sde';
import { Adam, accumulatedGradients } from '@dale/train';
import * as tf from '@tensorflow/tfjs-core';
import { maxAbsDiff, timeRuns } from '../timing.ts';

interface OrtTensor {
  readonly data: Float32Array;
}
interface Ort {
  readonly env: { wasm: { numThreads: number; wasmPaths: string; simd?: boolean } };
  readonly InferenceSession: {
    create(
      url: string,
      options: Record<string, unknown>,
    ): Promise<{ run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>> }>;
  };
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
}

const query = new URLSearchParams(location.search);
const batch = Number(query.get('batch') ?? 16);
const runs = Number(query.get('runs') ?? 5);
const backends = (query.get('backends') ?? 'wasm').split(',');
const micro = batch > 32 ? 32 : undefined;
const log = (line: string) => {
  document.querySelector('#log')!.textContent += `\n${line}`;
};

async function dale(backend: string) {
  const chosen = await useBackend(backend);
  if (chosen.software) return { backend, skipped: `software adapter (${chosen.device})` };
  const sde = gbm({ checkPositive: false });
  const model = createUnet(UNET_SMALL, Rng.fromSeed(0));
  const variables = new Map(flattenParams(model.params).map(([n, v]) => [n, v as tf.Variable]));
  const adam = new Adam();
  const score = scoreFnFromModel(model, sde);
  const rng = Rng.fromSeed(1);
  const x0 = tf.tidy(() => tf.add(1, randomUniform(rng, [batch, 28, 28, 1])));
  const forwardPass = async () => {
    const eps = tf.tidy(() => model.apply(model.params, x0, 0.5));
    const values = (await eps.data()) as Float32Array;
    eps.dispose();
    return values;
  };
  const output = await forwardPass();
  const x = (await x0.data()) as Float32Array;
  const train = await timeRuns(runs, async () => {
    const { value, grads } = accumulatedGradients(
      (xb, stream) => mdsmLoss(score, xb, { sde, rng: stream, weighting: 'noise-prediction' }),
      x0,
      rng,
      [...variables.values()],
      micro,
    );
    adam.apply(variables, new Map([...variables].map(([n, v]) => [n, grads[v.name]!])), 2e-4);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  });
  log(`${backend}: train ${train.median.toFixed(0)} ms`);
  const sample = await timeRuns(runs, async () => {
    const y = await daleLangevinSampler(score, sde, {
      init: x0,
      rng,
      times: [0.5, 0.5 - 6.16545e-4],
    });
    await y.data();
    y.dispose();
  });
  log(`${backend}: sample ${sample.median.toFixed(0)} ms`);
  const forward = await timeRuns(runs, forwardPass);
  log(`${backend}: forward ${forward.median.toFixed(0)} ms`);
  tf.dispose([x0, ...variables.values()]);
  adam.dispose();
  return {
    backend: chosen.name,
    device: chosen.device,
    trainStepMs: train.median,
    trainRunsMs: train.all,
    sampleStepMs: sample.median,
    sampleRunsMs: sample.all,
    forwardMs: forward.median,
    forwardRunsMs: forward.all,
    output,
    x,
  };
}

async function onnxruntimeWeb(x: Float32Array, daleOutput: Float32Array) {
  const ortUrl = '/ort/ort.wasm.min.mjs';
  const ort = (await import(/* @vite-ignore */ ortUrl)) as Ort;
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = crossOriginIsolated ? Math.min(2, navigator.hardwareConcurrency) : 1;
  const session = await ort.InferenceSession.create('/model.onnx', {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const feeds = {
    x: new ort.Tensor('float32', x, [batch, 1, 28, 28]),
    t: new ort.Tensor('float32', new Float32Array(batch).fill(0.5), [batch]),
  };
  let output: Float32Array = new Float32Array(0);
  const forward = await timeRuns(runs, async () => {
    output = (await session.run(feeds))['eps']!.data;
  });
  log(`onnxruntime-web: forward ${forward.median.toFixed(0)} ms`);
  return {
    threads: ort.env.wasm.numThreads,
    forwardMs: forward.median,
    forwardRunsMs: forward.all,
    maxAbsDiffFromDale: maxAbsDiff(output, daleOutput),
  };
}

async function main() {
  const results: Record<string, unknown>[] = [];
  let reference: { x: Float32Array; output: Float32Array } | undefined;
  for (const backend of backends) {
    try {
      const { output, x, ...result } = await dale(backend);
      if (output && x && !reference) reference = { output, x };
      results.push(result);
    } catch (error) {
      results.push({ backend, skipped: error instanceof Error ? error.message : String(error) });
    }
  }
  let ort: Record<string, unknown> = { skipped: 'no dale backend ran' };
  if (reference && query.get('ort') === '1') {
    try {
      ort = await onnxruntimeWeb(reference.x, reference.output);
    } catch (error) {
      ort = { skipped: error instanceof Error ? error.message : String(error) };
    }
  } else if (reference) ort = { skipped: query.get('ort') ?? 'onnxruntime-web not served' };
  const info = {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated,
  };
  (window as unknown as { benchResult: unknown }).benchResult = { batch, runs, info, results, ort };
  document.querySelector('main')!.dataset['state'] = 'done';
}

main().catch((error) => {
  log(String(error instanceof Error ? error.stack : error));
  document.querySelector('main')!.dataset['state'] = 'error';
});

/**
 * The page: choose a backend, fetch the pretrained MNIST checkpoint, sample digits with a progress
 * bar, draw them. `<main data-state>` goes loading → sampling → done (or error), for people and
 * for the end-to-end test. Query parameters `?n=16&steps=100&seed=0` change the run.
 * @module
 */
import { checkpointFromBytes, disposeParams } from '@dale/models';
import configUrl from '@dale/pretrained/models/mnist/config.json?url';
import modelUrl from '@dale/pretrained/models/mnist/model.safetensors?url';
import { chooseBackend } from './backend.ts';
import { sampleDigits } from './digits.ts';
import { drawGrid } from './grid-canvas.ts';
import { DEFAULT_COUNT, DEFAULT_STEPS } from './settings.ts';

const main = document.querySelector('main')!;
const status = document.querySelector<HTMLParagraphElement>('#status')!;
const progress = document.querySelector<HTMLProgressElement>('#progress')!;
const canvas = document.querySelector<HTMLCanvasElement>('#samples')!;

function integerParam(name: string, fallback: number, max: number): number {
  const raw = new URLSearchParams(location.search).get(name);
  const value = raw === null ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`query parameter ${name}: expected an integer in [0, ${max}], got '${raw}'`);
  }
  return value;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function run(): Promise<void> {
  const count = integerParam('n', DEFAULT_COUNT, 256);
  const steps = integerParam('steps', DEFAULT_STEPS, 10_000);
  const seed = integerParam('seed', 0, 2 ** 31);
  const backend = await chooseBackend();
  main.dataset.backend = backend.name;
  status.textContent = `Loading the model (backend: ${backend.device})…`;
  const [config, model] = await Promise.all([fetchBytes(configUrl), fetchBytes(modelUrl)]);
  const checkpoint = await checkpointFromBytes({ config, model }, { source: 'mnist' });
  main.dataset.state = 'sampling';
  progress.max = steps;
  const started = performance.now();
  try {
    const digits = await sampleDigits(checkpoint, {
      count,
      steps,
      seed,
      onStep: (step, total) => {
        progress.value = step;
        status.textContent = `Sampling ${count} digits on ${backend.name}: step ${step} / ${total}`;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    drawGrid(canvas, digits);
    main.dataset.sampleSeconds = seconds.toFixed(1);
    status.textContent = `${count} digits, ${steps} Dale–Langevin steps, ${seconds.toFixed(1)} s on ${backend.name} (${backend.device}).`;
    main.dataset.state = 'done';
  } finally {
    disposeParams(checkpoint.model.params);
    if (checkpoint.ema) disposeParams(checkpoint.ema);
  }
}

run().catch((error: unknown) => {
  main.dataset.state = 'error';
  status.textContent = `Failed: ${error instanceof Error ? error.message : String(error)}`;
  console.error(error);
});

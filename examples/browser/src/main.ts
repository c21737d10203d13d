/**
 * The page: choose a backend, fetch the pretrained MNIST checkpoint, sample digits with a progress
 * bar, draw them. A class-conditional model gets a digit picker and a guidance weight; "Sample"
 * draws again. `<main data-state>` goes loading → sampling → done (or error), for people and for
 * the end-to-end test. Query parameters `?n=16&steps=12&seed=0&digit=3&guidance=2` set the first
 * run (default: every digit in turn, guidance `DEFAULT_GUIDANCE`).
 * @module
 */
import { checkpointFromBytes, type LoadedCheckpoint } from '@dale/models';
import configUrl from '@dale/pretrained/models/mnist/config.json?url';
import modelUrl from '@dale/pretrained/models/mnist/model.safetensors?url';
import { chooseBackend } from './backend.ts';
import { classesOf, sampleDigits, samplerOf } from './digits.ts';
import { drawGrid } from './grid-canvas.ts';
import { DEFAULT_COUNT, DEFAULT_GUIDANCE } from './settings.ts';

const main = document.querySelector('main')!;
const status = document.querySelector<HTMLParagraphElement>('#status')!;
const progress = document.querySelector<HTMLProgressElement>('#progress')!;
const canvas = document.querySelector<HTMLCanvasElement>('#samples')!;
const picker = document.querySelector<HTMLFieldSetElement>('#picker')!;
const digitInput = document.querySelector<HTMLSelectElement>('#digit')!;
const guidanceInput = document.querySelector<HTMLInputElement>('#guidance')!;
const button = document.querySelector<HTMLButtonElement>('#sample')!;
const query = new URLSearchParams(location.search);

function integerParam(name: string, fallback: number, max: number): number {
  const raw = query.get(name);
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

/** The digit and guidance the picker shows (`'all'`: every digit in turn). */
function pickedClass(): { digit: number | 'all'; guidance: number } {
  const guidance = Number(guidanceInput.value);
  if (!(Number.isFinite(guidance) && guidance >= 0)) {
    throw new Error(`guidance: expected a number >= 0, got '${guidanceInput.value}'`);
  }
  return { digit: digitInput.value === 'all' ? 'all' : Number(digitInput.value), guidance };
}

async function draw(checkpoint: LoadedCheckpoint, backend: { name: string; device: string }) {
  const count = integerParam('n', DEFAULT_COUNT, 256);
  const sampler = samplerOf(checkpoint);
  const steps = integerParam('steps', sampler.steps, 10_000);
  const seed = integerParam('seed', 0, 2 ** 31);
  const conditional = classesOf(checkpoint) > 0;
  const { digit, guidance } = conditional ? pickedClass() : { digit: 'all' as const, guidance: 0 };
  main.dataset.state = 'sampling';
  button.disabled = true;
  progress.value = 0;
  progress.max = steps;
  const started = performance.now();
  try {
    const digits = await sampleDigits(checkpoint, {
      count,
      steps,
      seed,
      ...(conditional && { digit, guidance }),
      onStep: (step, total) => {
        progress.value = step;
        status.textContent = `Sampling ${count} digits on ${backend.name}: step ${step} / ${total}`;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    drawGrid(canvas, digits);
    main.dataset.sampleSeconds = seconds.toFixed(1);
    const asked = conditional
      ? `${digit === 'all' ? 'every digit' : `digit ${digit}`}${guidance > 0 ? `, guidance ${guidance}` : ''}, `
      : '';
    status.textContent = `${count} digits, ${asked}${steps} ${sampler.label} steps, ${seconds.toFixed(1)} s on ${backend.name} (${backend.device}).`;
    main.dataset.state = 'done';
  } finally {
    button.disabled = false;
  }
}

function fail(error: unknown): void {
  main.dataset.state = 'error';
  status.textContent = `Failed: ${error instanceof Error ? error.message : String(error)}`;
  console.error(error);
}

async function run(): Promise<void> {
  const backend = await chooseBackend();
  main.dataset.backend = backend.name;
  status.textContent = `Loading the model (backend: ${backend.device})…`;
  const [config, model] = await Promise.all([fetchBytes(configUrl), fetchBytes(modelUrl)]);
  const checkpoint = await checkpointFromBytes({ config, model }, { source: 'mnist' });
  if (classesOf(checkpoint) > 0) {
    picker.hidden = false;
    digitInput.value = query.get('digit') ?? 'all';
    guidanceInput.value = query.get('guidance') ?? String(DEFAULT_GUIDANCE);
    button.addEventListener('click', () => {
      draw(checkpoint, backend).catch(fail);
    });
  }
  // The checkpoint stays loaded for further draws; the page owns it until it is closed.
  await draw(checkpoint, backend);
}

run().catch(fail);

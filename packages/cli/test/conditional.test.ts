import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, useBackend } from '@dale/core';
import { decodeSafetensors, scoreFnFromModel } from '@dale/models';
import { loadCheckpoint } from '@dale/models/node';
import { dpmSolverSampler, heunSampler } from '@dale/samplers';
import { type SDEConfig, sdeFromConfig } from '@dale/sde';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferOutput, main } from '../src/index.ts';
import { writeTinyCheckpoint, writeTinyConditionalCheckpoint } from './tiny-checkpoint.ts';

const root = mkdtempSync(join(tmpdir(), 'dale-cli-conditional-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function dale(...args: string[]) {
  const output = bufferOutput();
  const code = await main(args, { output });
  return { code, out: output.out, err: output.err };
}

/** The raw samples `dale sample --raw` wrote. */
function rawSamples(file: string): Float32Array {
  const { tensors } = decodeSafetensors(readFileSync(file));
  return tensors.get('samples')!.data as Float32Array;
}

/** The same run through the library: the checkpoint's EMA-less weights, labels and guidance. */
async function librarySamples(
  checkpoint: string,
  sampler: typeof heunSampler,
  options: { n: number; steps: number; seed: number; labels?: number[]; guidance?: number },
): Promise<Float32Array> {
  const { model, meta } = await loadCheckpoint(checkpoint, { optimizer: false });
  const sde = sdeFromConfig(meta.sde as unknown as SDEConfig);
  const score = scoreFnFromModel(model, sde, {
    ...(options.labels && { labels: options.labels }),
    ...(options.guidance !== undefined && { guidance: options.guidance }),
  });
  const x = await sampler(score, sde, {
    shape: [options.n, 28, 28, 1],
    rng: Rng.fromSeed(options.seed),
    steps: options.steps,
  });
  const values = x.dataSync() as Float32Array;
  x.dispose();
  return values;
}

describe('dale sample of a class-conditional denoiser checkpoint (tiny, wasm)', () => {
  let conditional: string;
  let unconditional: string;
  beforeAll(async () => {
    await useBackend('wasm');
    conditional = await writeTinyConditionalCheckpoint(join(root, 'conditional'));
    unconditional = await writeTinyCheckpoint(join(root, 'unconditional'));
  });

  it('--class 3 --guidance 2 samples exactly what the library gives for those labels', async () => {
    const raw = join(root, 'c3.safetensors');
    const run = await dale(
      'sample',
      '--checkpoint',
      conditional,
      '--class',
      '3',
      '--guidance',
      '2',
      '--n',
      '4',
      '--steps',
      '3',
      '--sampler',
      'heun',
      '--raw',
      raw,
      '--out',
      join(root, 'c3.png'),
    );
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/class 3, guidance 2/);
    const want = await librarySamples(conditional, heunSampler, {
      n: 4,
      steps: 3,
      seed: 0,
      labels: [3, 3, 3, 3],
      guidance: 2,
    });
    expect(rawSamples(raw)).toEqual(want);
    const other = await librarySamples(conditional, heunSampler, {
      n: 4,
      steps: 3,
      seed: 0,
      labels: [4, 4, 4, 4],
      guidance: 2,
    });
    expect(rawSamples(raw)).not.toEqual(other);
  });

  it('without --class: every class in turn, with dpm-solver-2m at 12 levels by default', async () => {
    const raw = join(root, 'mix.safetensors');
    const run = await dale(
      'sample',
      '--checkpoint',
      conditional,
      '--n',
      '3',
      '--raw',
      raw,
      '--out',
      join(root, 'mix.png'),
    );
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/dpm-solver-2m, 12 steps/);
    expect(run.err).toMatch(/every class in turn/);
    const want = await librarySamples(conditional, dpmSolverSampler, {
      n: 3,
      steps: 12,
      seed: 0,
      labels: [0, 1, 2],
    });
    expect(rawSamples(raw)).toEqual(want);
  });

  it('guidance 1 by default for a model trained with label dropout; --guidance 0 and --class none sample unguided', async () => {
    const dropped = await writeTinyConditionalCheckpoint(join(root, 'dropout'), {
      labelDropout: 0.1,
    });
    const run = async (name: string, ...extra: string[]) => {
      const raw = join(root, `${name}.safetensors`);
      const args = ['--n', '3', '--steps', '3', '--raw', raw, '--out', join(root, `${name}.png`)];
      const result = await dale('sample', '--checkpoint', dropped, ...args, ...extra);
      expect(result.code, result.err).toBe(0);
      return { err: result.err, samples: rawSamples(raw) };
    };
    const library = (guidance: number, labels?: number[]) =>
      librarySamples(dropped, dpmSolverSampler, {
        n: 3,
        steps: 3,
        seed: 0,
        ...(labels && { labels }),
        guidance,
      });
    const guided = await run('default');
    expect(guided.err).toMatch(/every class in turn \(10\), guidance 1/);
    expect(guided.samples).toEqual(await library(1, [0, 1, 2]));
    const unguided = await run('unguided', '--guidance', '0');
    expect(unguided.samples).toEqual(await library(0, [0, 1, 2]));
    expect(unguided.samples).not.toEqual(guided.samples);
    const none = await run('none', '--class', 'none');
    expect(none.err).not.toMatch(/guidance/);
    expect(none.samples).toEqual(await library(0));
  });

  it('bad --class and --guidance are usage errors (exit 2) that say what is allowed', async () => {
    const out = join(root, 'x.png');
    const cases: [string[], RegExp][] = [
      [
        ['--checkpoint', conditional, '--class', '10'],
        /expected a class 0…9, all or none, got '10'/,
      ],
      [['--checkpoint', conditional, '--class', 'three'], /expected a class 0…9/],
      [
        ['--checkpoint', conditional, '--guidance=-1'],
        /--guidance .* expected a number >= 0, got '-1'/,
      ],
      [
        ['--checkpoint', conditional, '--class', 'none', '--guidance', '1'],
        /--class none asks for none/,
      ],
      [['--checkpoint', unconditional, '--class', '3'], /unconditional/],
      [['--checkpoint', unconditional, '--guidance', '2'], /unconditional/],
    ];
    for (const [args, message] of cases) {
      const run = await dale('sample', ...args, '--n', '2', '--steps', '2', '--out', out);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.err).toMatch(message);
    }
  });
});

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DaleError, Rng } from '@dale/core';
import { decodePng, transformFromConfig } from '@dale/data';
import { createMlp, disposeParams, encodeCheckpoint, scoreFnFromModel } from '@dale/models';
import { pretrainedModelDir } from '@dale/pretrained';
import { daleLangevinSampler } from '@dale/samplers';
import { gbm } from '@dale/sde';
import { onCpu, take } from '@dale/testing';
import { walkImports } from '@dale/testing/import-graph';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fetchCheckpoint, generatorFromCheckpoint, loadGenerator, toPng } from '../src/index.ts';

beforeAll(onCpu);

/** A tiny MLP checkpoint on 2-D data under GBM with the x + 1 transform, as bytes. */
async function tinyCheckpoint() {
  const sde = gbm();
  const model = createMlp({ inputDim: 2, hidden: [8], predicts: 'hyvarinen' }, Rng.fromSeed(1));
  const files = await encodeCheckpoint({
    model,
    meta: { sde: sde.toJSON() as never, transform: { kind: 'shift', c: 1 }, step: 3 },
  });
  return { model, files };
}

/** A `fetch` that serves `files` under `base`, and answers 404 otherwise. */
function serve(base: string, files: { readonly [name: string]: string | Uint8Array | undefined }) {
  const asked: string[] = [];
  const fetch = async (url: string) => {
    asked.push(url);
    const name = url.startsWith(base) ? url.slice(base.length) : '';
    const body = files[name];
    return body === undefined
      ? new Response('missing', { status: 404, statusText: 'Not Found' })
      : new Response(typeof body === 'string' ? body : new Uint8Array(body));
  };
  return { fetch, asked };
}

describe('@dale/generate', () => {
  it('is browser-safe: nothing reachable from src/index.ts imports a Node built-in', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const { files, nodeImports } = walkImports(
      fileURLToPath(new URL('../src/index.ts', import.meta.url)),
      root,
    );
    expect(
      nodeImports.map(({ specifier, chain }) => `${chain.join(' → ')} imports ${specifier}`),
    ).toEqual([]);
    expect(files).toContain('../samplers/src/index.ts');
    expect(files).toContain('../data/src/index.ts');
  });

  it('samples what the sampler gives for the checkpoint’s score, maps back to pixels, and writes a PNG', async () => {
    const { model, files } = await tinyCheckpoint();
    const { fetch, asked } = serve('https://models.example/tiny/', {
      'config.json': files.config,
      'model.safetensors': files.model,
    });
    const generator = await loadGenerator('https://models.example/tiny', { fetch });
    expect(asked.sort()).toEqual([
      'https://models.example/tiny/config.json',
      'https://models.example/tiny/model.safetensors',
    ]);
    expect(generator.source).toBe('https://models.example/tiny');
    expect(generator.sampleShape).toEqual([2]);
    expect(generator.isImage).toBe(false);
    const steps: number[] = [];
    const run = await generator.generate({
      n: 5,
      sampler: 'dale-langevin',
      settings: { steps: 4 },
      rng: Rng.fromSeed(2),
      onStep: ({ step }) => {
        steps.push(step);
      },
    });
    expect(steps).toEqual([1, 2, 3, 4]);
    // The pipeline is the sampler on the model's score, then the transform's inverse.
    const direct = await daleLangevinSampler(scoreFnFromModel(model, gbm()), gbm(), {
      shape: [5, 2],
      rng: Rng.fromSeed(2),
      steps: 4,
    });
    expect(Array.from(run.samples.dataSync())).toEqual(Array.from(direct.dataSync()));
    direct.dispose();
    const expected = take(transformFromConfig({ kind: 'shift', c: 1 }).inverse(run.samples));
    expect(take(tf.clone(run.pixels))).toEqual(expected);
    run.dispose();
    generator.dispose();
    disposeParams(model.params);
  });

  it('names the URL when a file is missing, and the source when meta has no SDE', async () => {
    const { model, files } = await tinyCheckpoint();
    const { fetch } = serve('https://models.example/tiny/', { 'config.json': files.config });
    await expect(fetchCheckpoint('https://models.example/tiny/', { fetch })).rejects.toThrow(
      /https:\/\/models.example\/tiny\/model.safetensors answered 404 Not Found/,
    );
    const bare = await encodeCheckpoint({ model, meta: {} });
    const before = tf.memory().numTensors;
    const error = await loadGenerator(bare, { source: 'bare' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaleError);
    expect((error as DaleError).message).toMatch(/^bare: the checkpoint's meta has no "sde"/);
    expect(tf.memory().numTensors).toBe(before); // what it loaded is freed again
    disposeParams(model.params);
  });

  it('the pretrained MNIST model (class-conditional) from its bytes: digits as pixels in [0, 1] and a PNG sheet', async () => {
    const dir = pretrainedModelDir('mnist');
    const bytes = {
      config: readFileSync(`${dir}/config.json`),
      model: new Uint8Array(readFileSync(`${dir}/model.safetensors`)),
    };
    const generator = await loadGenerator(bytes, { source: 'mnist' });
    expect(generator.isImage).toBe(true);
    expect(generator.model.config.predicts).toBe('denoiser');
    // Trained with label dropout 0.1, so it is guided by default; the tiny MLP is not.
    expect(generator.defaultGuidance).toBe(1);
    const tiny = generatorFromCheckpoint({
      model: (await tinyCheckpoint()).model,
      meta: { sde: gbm().toJSON() as never },
    });
    expect(tiny.defaultGuidance).toBe(0);
    tiny.dispose();
    const run = await generator.generate({
      n: 2,
      sampler: 'dpm-solver-2m',
      settings: { steps: 2 },
      labels: [3, 7],
      guidance: 1,
      rng: Rng.fromSeed(0),
    });
    const pixels = take(tf.clone(run.pixels));
    expect(Math.min(...pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
    const png = decodePng(await toPng(run.pixels, { columns: 2 }), 'sheet.png');
    expect([png.width, png.height]).toEqual([2 * 28 + 3 * 2, 28 + 2 * 2]);
    run.dispose();
    // A generator over a checkpoint the caller keeps: it holds nothing but the weights.
    const again = generatorFromCheckpoint(
      { model: generator.model, meta: generator.meta },
      { source: 'mnist' },
    );
    expect(again.sde.toJSON()).toEqual(generator.sde.toJSON());
    generator.dispose();
  });
});

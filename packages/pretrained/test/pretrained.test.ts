import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaleError } from '@dale/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  fetchPretrainedModel,
  isPretrainedModelName,
  PRETRAINED_MODEL_ALIASES,
  PRETRAINED_MODEL_SUMMARIES,
  PRETRAINED_MODELS,
  pretrainedModelDir,
  pretrainedModelFiles,
  resolvePretrainedModelName,
} from '../src/index.ts';

describe('@dale/pretrained', () => {
  it('every listed model has a checkpoint, a model card and a summary', () => {
    expect(Object.keys(PRETRAINED_MODEL_SUMMARIES)).toEqual([...PRETRAINED_MODELS]);
    for (const name of PRETRAINED_MODELS) {
      const dir = pretrainedModelDir(name);
      for (const file of ['config.json', 'model.safetensors', 'MODEL_CARD.md']) {
        expect(existsSync(join(dir, file)), `${name}/${file}`).toBe(true);
      }
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      expect(config.format).toBe('dale-checkpoint');
      expect(config.hasEma).toBe(true);
      // `mnist-paper` is an MNIST model too.
      expect(name === config.meta.dataset || name.startsWith(`${config.meta.dataset}-`)).toBe(true);
    }
  });

  it('mnist is the class-conditional denoiser of the edm preset, mnist-paper the paper recipe', () => {
    const config = (name: string) =>
      JSON.parse(readFileSync(join(pretrainedModelDir(name), 'config.json'), 'utf8'));
    const mnist = config('mnist');
    expect(mnist.model.predicts).toBe('denoiser');
    expect(mnist.model.classes).toBe(10);
    expect(mnist.meta.cli.preset).toBe('edm');
    const paper = config('mnist-paper');
    expect(paper.model.predicts).toBe('noise');
    expect(paper.model.classes ?? 0).toBe(0);
    expect(paper.meta.cli.preset).toBe('quick');
    // fashion-mnist and kmnist: the edm recipe on their own data, each with its own horizon.
    for (const [name, horizon] of [
      ['fashion-mnist', 9.2],
      ['kmnist', 5.1],
    ] as const) {
      const c = config(name);
      expect([c.meta.dataset, c.model.predicts, c.model.classes]).toEqual([name, 'denoiser', 10]);
      expect(c.meta.sde.schedule.sigmaMax).toBe(horizon);
      expect(c.meta.train.conditioning.dropout).toBeGreaterThan(0); // guided by default
    }
  });

  it('mnist-edm is a deprecated alias of mnist, and not listed', () => {
    expect(PRETRAINED_MODEL_ALIASES).toEqual({ 'mnist-edm': 'mnist' });
    expect(PRETRAINED_MODELS).not.toContain('mnist-edm');
    expect(isPretrainedModelName('mnist-edm')).toBe(false);
    expect(resolvePretrainedModelName('mnist-edm')).toBe('mnist');
    expect(resolvePretrainedModelName('mnist-paper')).toBe('mnist-paper');
    expect(resolvePretrainedModelName('cifar10')).toBeUndefined();
    // Inherited properties are not aliases.
    expect(resolvePretrainedModelName('toString')).toBeUndefined();
    expect(pretrainedModelDir('mnist-edm')).toBe(pretrainedModelDir('mnist'));
    expect(pretrainedModelFiles('mnist-edm')).toEqual(pretrainedModelFiles('mnist'));
  });

  it('rejects unknown names with a DaleError that lists the models', () => {
    expect(isPretrainedModelName('mnist')).toBe(true);
    expect(isPretrainedModelName('cifar10')).toBe(false);
    expect(() => pretrainedModelDir('cifar10')).toThrow(DaleError);
    expect(() => pretrainedModelDir('toString')).toThrow(DaleError);
    expect(() => pretrainedModelDir('cifar10')).toThrow(
      /expected one of mnist, mnist-paper, fashion-mnist, kmnist, got 'cifar10'/,
    );
  });

  describe('fetchPretrainedModel in Node', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
    });

    it('reads the package’s own files (file: URLs, which Node’s fetch does not read)', async () => {
      vi.stubGlobal('fetch', () => {
        throw new TypeError('fetch failed: not implemented... yet...'); // what Node says for file:
      });
      const bytes = await fetchPretrainedModel('mnist-paper');
      const files = pretrainedModelFiles('mnist-paper');
      expect(Buffer.from(bytes.config)).toEqual(readFileSync(fileURLToPath(files.config)));
      expect(Buffer.from(bytes.model)).toEqual(readFileSync(fileURLToPath(files.model)));
    });

    it('fetches with fetchImpl when given one, and says which file failed', async () => {
      const asked: string[] = [];
      const failing = async (url: URL | RequestInfo) => {
        asked.push(String(url));
        return new Response(null, { status: 404, statusText: 'Not Found' });
      };
      await expect(fetchPretrainedModel('mnist', failing)).rejects.toThrow(
        /pretrained model mnist: file:.*\/models\/mnist\/config\.json: HTTP 404 Not Found/,
      );
      expect(asked.map((url) => url.replace(/^.*\/models\//, ''))).toEqual([
        'mnist/config.json',
        'mnist/model.safetensors',
      ]);
    });
  });
});

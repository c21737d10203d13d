import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaleError } from '@dale/core';
import { describe, expect, it } from 'vitest';
import {
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
      /expected one of mnist, mnist-paper, got 'cifar10'/,
    );
  });
});

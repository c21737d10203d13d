import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaleError } from '@dale/core';
import { describe, expect, it } from 'vitest';
import { isPretrainedModelName, PRETRAINED_MODELS, pretrainedModelDir } from '../src/index.ts';

describe('@dale/pretrained', () => {
  it('every listed model has a checkpoint and a model card in its directory', () => {
    for (const name of PRETRAINED_MODELS) {
      const dir = pretrainedModelDir(name);
      for (const file of ['config.json', 'model.safetensors', 'MODEL_CARD.md']) {
        expect(existsSync(join(dir, file)), `${name}/${file}`).toBe(true);
      }
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      expect(config.format).toBe('dale-checkpoint');
      expect(config.hasEma).toBe(true);
      // `mnist-edm` is an MNIST model too.
      expect(name === config.meta.dataset || name.startsWith(`${config.meta.dataset}-`)).toBe(true);
    }
  });

  it('rejects unknown names with a DaleError that lists the models', () => {
    expect(isPretrainedModelName('mnist')).toBe(true);
    expect(isPretrainedModelName('cifar10')).toBe(false);
    expect(() => pretrainedModelDir('cifar10')).toThrow(DaleError);
    expect(() => pretrainedModelDir('cifar10')).toThrow(
      /expected one of mnist, mnist-edm, got 'cifar10'/,
    );
  });
});

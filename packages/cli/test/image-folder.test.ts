import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@dale/core';
import { encodePng, fitNoisedPrior, shiftTransform } from '@dale/data';
import { loadImageFolder } from '@dale/data/node';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferOutput, main } from '../src/index.ts';

const root = mkdtempSync(join(tmpdir(), 'dale-cli-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Two classes of 8×8 grey images with seeded random pixels. */
function writeFolder(dir: string): void {
  const rng = Rng.fromSeed(3);
  for (const cls of ['a', 'b']) {
    mkdirSync(join(dir, cls), { recursive: true });
    for (let i = 0; i < 6; i++) {
      const data = Uint8Array.from({ length: 64 }, () => Math.floor(256 * rng.uniform()));
      writeFileSync(
        join(dir, cls, `${i}.png`),
        encodePng({ width: 8, height: 8, channels: 1, data }),
      );
    }
  }
}

describe('dale train --dataset <folder>', () => {
  it('trains on a folder of PNG images with the prior fitted to its noised data', async () => {
    const images = join(root, 'images');
    writeFolder(images);
    const config = join(root, 'small.json');
    writeFileSync(
      config,
      JSON.stringify({
        sampleCount: 4,
        sampleSteps: 2,
        model: { baseChannels: 8, channelMultipliers: [1, 2], timeEmbedding: 16 },
      }),
    );
    const out = join(root, 'run');
    const output = bufferOutput();
    const args = ['train', '--dataset', images, '--out', out, '--steps', '2', '--batch', '4'];
    const code = await main([...args, '--backend', 'wasm', '--config', config, '--seed', '5'], {
      output,
    });
    expect(output.err).toContain('12 images of 8x8x1');
    expect(code).toBe(0);
    const saved = JSON.parse(readFileSync(join(out, 'checkpoint/config.json'), 'utf8'));
    // The same fit, made independently: the run's seed, its 'prior' stream, the x + 1 transform.
    const expected = fitNoisedPrior(await loadImageFolder(images), {
      rng: Rng.fromSeed(5).split('prior'),
      transform: shiftTransform(1),
    });
    expect(saved.meta.sde.prior).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(saved.model).toMatchObject({ inputShape: [8, 8, 1], attentionResolutions: [4] });
  });

  it('a name that is neither a dataset nor a folder is a usage error', async () => {
    const output = bufferOutput();
    const code = await main(['train', '--dataset', join(root, 'nope'), '--out', join(root, 'x')], {
      output,
    });
    expect(code).toBe(2);
    expect(output.err).toContain(
      `expected mnist, fashion-mnist, kmnist, cifar10 or a folder of PNG images, got '${join(root, 'nope')}' (no such folder)`,
    );
  });
});

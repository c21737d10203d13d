// The packed-install test's browser page: the pretrained paper-recipe MNIST model (`mnist-paper`,
// unconditional, so a few Dale–Langevin steps run it), sampled on whatever `useBackend('auto')`
// picks (wasm in headless Chromium), with no setWasmPaths and no other setup.
import '@dale/backend-wasm';
import { Rng, useBackend } from '@dale/core';
import { checkpointFromBytes, scoreFnFromModel } from '@dale/models';
import { fetchPretrainedModel } from '@dale/pretrained';
import { daleLangevinSampler } from '@dale/samplers';
import { sdeFromConfig } from '@dale/sde';
import * as tf from '@tensorflow/tfjs-core';

const COUNT = 4;
const SIDE = 28;
const main = document.querySelector('main');

try {
  const chosen = await useBackend('auto');
  main.dataset.backend = chosen.name;
  const bytes = await fetchPretrainedModel('mnist-paper');
  const { model, ema, meta } = await checkpointFromBytes(bytes, { source: 'mnist-paper' });
  const sde = sdeFromConfig(meta.sde);
  const score = scoreFnFromModel(model, sde, { params: ema ?? model.params });
  const x = await daleLangevinSampler(score, sde, {
    shape: [COUNT, SIDE, SIDE, 1],
    steps: 5,
    rng: Rng.fromSeed(0),
  });
  const pixels = tf.tidy(() => tf.sub(tf.clipByValue(x, 1, 2), 1)).dataSync();
  x.dispose();
  const canvas = document.querySelector('canvas');
  const context = canvas.getContext('2d');
  const image = context.createImageData(COUNT * SIDE, SIDE);
  for (let n = 0; n < COUNT; n++) {
    for (let row = 0; row < SIDE; row++) {
      for (let col = 0; col < SIDE; col++) {
        const value = Math.round(255 * pixels[(n * SIDE + row) * SIDE + col]);
        const at = 4 * (row * COUNT * SIDE + n * SIDE + col);
        image.data.set([value, value, value, 255], at);
      }
    }
  }
  context.putImageData(image, 0, 0);
  main.dataset.state = 'done';
} catch (error) {
  document.querySelector('#status').textContent = `${error.code ?? error.name}: ${error.message}`;
  main.dataset.state = 'error';
}

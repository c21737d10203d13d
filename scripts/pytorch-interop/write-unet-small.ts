/**
 * Writes a dale `unet-small` checkpoint (with every weight, bias and norm parameter perturbed so
 * that no layout mistake can hide behind zeros or ones) and an input/output pair, for
 * `unet_small.py` to reproduce in PyTorch.
 *
 *   node --conditions=@dale/source scripts/pytorch-interop/write-unet-small.ts [outDir]
 *
 * outDir (default /tmp/dale-unet-small-interop) receives `checkpoint/` and `io.safetensors`
 * (x: [2, 28, 28, 1] NHWC, t: [2], y: the model output, NHWC).
 */
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createUnet,
  encodeSafetensors,
  flattenParams,
  UNET_SMALL,
} from '../../packages/models/src/index.ts';
import { saveCheckpoint } from '../../packages/models/src/node.ts';

// @dale/core and tfjs-core resolve from packages/models (this directory is not a workspace package).
const fromModels = createRequire(new URL('../../packages/models/package.json', import.meta.url));
const load = (name: string) => import(pathToFileURL(fromModels.resolve(name)).href);
const { Rng, useBackend } = await load('@dale/core');
const tf = await load('@tensorflow/tfjs-core');

const outDir = process.argv[2] ?? '/tmp/dale-unet-small-interop';
await useBackend('cpu');
const model = createUnet(UNET_SMALL, Rng.fromSeed(0));
const rng = Rng.fromSeed(1);
for (const [name, variable] of flattenParams(model.params)) {
  const noise = rng.fillNormal(new Float32Array(variable.size), 0, 0.1);
  const base = variable.dataSync() as Float32Array;
  const one = name.endsWith('.scale') ? 1 : 0; // group-norm γ around 1
  variable.assign(
    tf.tensor(
      base.map((v: number, i: number) => (one ? one + noise[i]! : v + noise[i]!)),
      variable.shape,
    ),
  );
}
const x = tf.tensor(rng.fillUniform(new Float32Array(2 * 28 * 28), 0.5, 2), [2, 28, 28, 1]);
const t = [0.3, 0.8];
const y = model.apply(model.params, x, t);
await saveCheckpoint(join(outDir, 'checkpoint'), { model, meta: { purpose: 'pytorch interop' } });
await writeFile(
  join(outDir, 'io.safetensors'),
  encodeSafetensors([
    ['x', { dtype: 'F32', shape: x.shape, data: x.dataSync() }],
    ['t', { dtype: 'F64', shape: [2], data: Float64Array.from(t) }],
    ['y', { dtype: 'F32', shape: y.shape, data: y.dataSync() }],
  ]),
);
console.log(
  `wrote ${outDir}/checkpoint and ${outDir}/io.safetensors (|y|max = ${tf.max(tf.abs(y)).dataSync()[0]})`,
);

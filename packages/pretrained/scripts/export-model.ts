// Copy a `dale train` checkpoint into this package as a pretrained model: config.json and
// model.safetensors (trained and EMA weights), without the optimizer state, which sampling does
// not need, plus class-averages.safetensors (the training set's class-average images, for
// `dale sample --start class-average` without the dataset). The model card is written by hand.
//   node --conditions=@dale/source packages/pretrained/scripts/export-model.ts RUN/checkpoint mnist
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// A repository script: the file format belongs to the CLI, which depends on this package.
import { CLASS_AVERAGES_FILE, encodeClassAverages } from '../../cli/src/class-average-start.ts';
import { loadTrainingSet } from '../../cli/src/dataset.ts';
import { pretrainedModelDir } from '../src/index.ts';

const [source, name] = process.argv.slice(2);
if (source === undefined || name === undefined) {
  console.error('usage: export-model.ts CHECKPOINT_DIR NAME');
  process.exit(2);
}
const target = pretrainedModelDir(name);
mkdirSync(target, { recursive: true });
const config = JSON.parse(readFileSync(join(source, 'config.json'), 'utf8'));
delete config.files['optimizer.safetensors'];
copyFileSync(join(source, 'model.safetensors'), join(target, 'model.safetensors'));
writeFileSync(join(target, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
const training = await loadTrainingSet(config.meta.dataset, null);
writeFileSync(
  join(target, CLASS_AVERAGES_FILE),
  encodeClassAverages(training.classAverageValues(), training.shape),
);
console.log(`exported ${source} (step ${config.meta.step}) to ${target}`);

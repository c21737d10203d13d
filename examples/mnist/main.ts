// MNIST end to end: dale train (quick preset) → dale sample → dale eval.
//   node --conditions=@dale/source examples/mnist/main.ts [--out runs/mnist-example]
//        [--steps 2000] [--eval-n 1000] [--sample-steps 100] [--backend wasm]
import { parseArgs } from 'node:util';
import { runPipeline } from './src/pipeline.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'runs/mnist-example' },
    steps: { type: 'string' },
    'eval-n': { type: 'string', default: '1000' },
    'sample-steps': { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
process.exitCode = await runPipeline({
  out: values.out,
  ...(values.steps ? { trainSteps: Number(values.steps) } : {}),
  evalSamples: Number(values['eval-n']),
  ...(number(values['sample-steps']) ? { sampleSteps: number(values['sample-steps']) } : {}),
  backend: values.backend,
  log: (line) => console.error(`\n$ ${line}`),
});

/**
 * MNIST end to end through the `dale` command's own entry point: `dale train` (quick preset) →
 * `dale sample` → `dale eval`, each step's exact command line printed before it runs.
 */
import { join } from 'node:path';
import { main, type Output } from '@dale/cli';

/** Settings of {@link runPipeline}; the defaults are the full quick-preset run. */
export interface PipelineOptions {
  /** The run directory (checkpoint/, samples/, loss.png, samples.png, eval.json, nn.png). */
  readonly out: string;
  /** Training steps; default: the quick preset's 2,000. */
  readonly trainSteps?: number;
  /** Train on the first N images only (for a smoke test). */
  readonly limit?: number;
  /** Batch size; default: the preset's. */
  readonly batch?: number;
  /** Sampler steps of `dale sample` and `dale eval`; default: the command's (100). */
  readonly sampleSteps?: number;
  /** Samples `dale eval` generates; default 1,000. */
  readonly evalSamples?: number;
  /** A JSON config for `dale train` (e.g. smaller grids for a smoke test). */
  readonly trainConfig?: string;
  /** `auto`, `wasm`, `cpu`, …; default `wasm`. */
  readonly backend?: string;
  /** Where the commands write; default the process's stdout and stderr. */
  readonly output?: Output;
  /** Called with each command line before it runs. */
  readonly log?: (line: string) => void;
}

const optional = (flag: string, value: string | number | undefined) =>
  value === undefined ? [] : [flag, String(value)];

/** The three command lines of the pipeline, in order. */
export function pipelineCommands(options: PipelineOptions): string[][] {
  const backend = options.backend ?? 'wasm';
  const checkpoint = join(options.out, 'checkpoint');
  return [
    [
      'train',
      ...['--dataset', 'mnist', '--preset', 'quick', '--backend', backend, '--out', options.out],
      ...optional('--steps', options.trainSteps),
      ...optional('--limit', options.limit),
      ...optional('--batch', options.batch),
      ...optional('--config', options.trainConfig),
    ],
    [
      'sample',
      ...['--checkpoint', checkpoint, '--backend', backend, '--n', '64'],
      ...['--out', join(options.out, 'samples.png'), '--strip', join(options.out, 'chain.png')],
      ...optional('--steps', options.sampleSteps),
    ],
    [
      'eval',
      ...['--checkpoint', checkpoint, '--backend', backend, '--metrics', 'fid,kid,pr,nn'],
      ...['--n', String(options.evalSamples ?? 1000)],
      ...['--out', join(options.out, 'eval.json'), '--sheet', join(options.out, 'nn.png')],
      ...optional('--steps', options.sampleSteps),
    ],
  ];
}

/** Run train → sample → eval; resolves to the first non-zero exit code, or 0. */
export async function runPipeline(options: PipelineOptions): Promise<number> {
  for (const args of pipelineCommands(options)) {
    options.log?.(`dale ${args.join(' ')}`);
    const code = await main(args, options.output ? { output: options.output } : {});
    if (code !== 0) return code;
  }
  return 0;
}

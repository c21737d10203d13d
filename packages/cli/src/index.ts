/**
 * `@dale/cli`: the `dale` command (`info`, `train`, `sample`, `eval`) run in-process. A program
 * calls {@link main} with the command line and an {@link Output}, and gets the exit code; the
 * types of a `dale train --config` file are here too. Generation as a library is
 * `@dale/generate`; the parts of the command are not public API.
 *
 * @example
 * ```ts
 * import { bufferOutput, main } from '@dale/cli';
 * const output = bufferOutput();
 * const code = await main(['info', '--json'], { output }); // 0
 * console.log(JSON.parse(output.out).auto.name); // e.g. 'wasm'
 * ```
 * @packageDocumentation
 */
export type { RunContext } from './commands/train.ts';
export type { ModelOverrides, TrainConfig, TrainSettings } from './config.ts';
export { EXIT_CODES } from './errors.ts';
export { type MainOptions, main } from './main.ts';
export { bufferOutput, type Output, processOutput } from './output.ts';

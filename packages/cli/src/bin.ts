#!/usr/bin/env node
/**
 * The `dale` executable: runs {@link main} with the process's arguments. The first Ctrl-C
 * (SIGINT) or SIGTERM (`docker stop`, `timeout`, systemd, job schedulers) asks the command to stop
 * cleanly: training finishes the step, writes a checkpoint and says so; the command exits with
 * 130 (SIGINT) or 143 (SIGTERM). A second signal exits at once with the same code.
 * @module
 */
import { EXIT_CODES } from './errors.ts';
import { main } from './main.ts';

const controller = new AbortController();
const stop = (signal: 'SIGINT' | 'SIGTERM') => {
  const code = signal === 'SIGTERM' ? EXIT_CODES.terminated : EXIT_CODES.interrupted;
  if (controller.signal.aborted) process.exit(code);
  const name = signal === 'SIGTERM' ? 'SIGTERM' : 'Ctrl-C';
  process.stderr.write(
    `\ndale: ${name}: stopping after the current step (${name} again to quit now)\n`,
  );
  controller.abort(signal);
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
process.exitCode = await main(process.argv.slice(2), { signal: controller.signal });

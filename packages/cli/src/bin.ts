#!/usr/bin/env node
/**
 * The `dale` executable: runs {@link main} with the process's arguments. The first Ctrl-C asks the
 * command to stop cleanly (training writes a checkpoint); a second one exits at once with 130.
 * @module
 */
import { EXIT_CODES } from './errors.ts';
import { main } from './main.ts';

const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(EXIT_CODES.interrupted);
  process.stderr.write('\ndale: stopping after the current step (Ctrl-C again to quit now)\n');
  controller.abort();
});
process.exitCode = await main(process.argv.slice(2), { signal: controller.signal });

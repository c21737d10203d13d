/**
 * Errors of the `dale` command and the exit codes they map to.
 * @module
 */

/**
 * The exit codes of `dale`: 0 ok, 1 runtime failure, 2 usage error, 130 interrupted (Ctrl-C,
 * SIGINT), 143 terminated (SIGTERM: `docker stop`, `timeout`, systemd, job schedulers).
 */
export const EXIT_CODES = Object.freeze({
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: 130,
  terminated: 143,
});

/**
 * The exit code of a command stopped by `signal`: 143 when it was aborted with the reason
 * `'SIGTERM'` (as the `dale` executable does on SIGTERM), else 130.
 */
export function stoppedExitCode(signal: AbortSignal | undefined): number {
  return signal?.reason === 'SIGTERM' ? EXIT_CODES.terminated : EXIT_CODES.interrupted;
}

/** How a stop by `signal` is named in messages: `'SIGTERM'` or `'Ctrl-C'`. */
export function stopName(signal: AbortSignal | undefined): string {
  return signal?.reason === 'SIGTERM' ? 'SIGTERM' : 'Ctrl-C';
}

/**
 * A mistake on the command line or in a `--config` file (unknown command or option, a missing
 * or malformed value): `dale` prints the message with a pointer to `--help` and exits with 2.
 */
export class UsageError extends Error {
  /** The command whose usage was wrong (for the `--help` hint), if known. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** Thrown when the user interrupted a command (Ctrl-C): `dale` exits with 130. */
export class InterruptedError extends Error {
  constructor(message = 'interrupted') {
    super(message);
    this.name = 'InterruptedError';
  }
}

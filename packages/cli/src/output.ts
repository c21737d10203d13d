/**
 * Where a command writes: standard output for results, standard error for progress and messages.
 * @module
 */

/** Where a command writes; tests pass a {@link bufferOutput} to read what it wrote. */
export interface Output {
  /** Results (e.g. `dale info`'s report, `--json` documents, `--help` text). */
  stdout(text: string): void;
  /** Progress lines and messages. */
  stderr(text: string): void;
  /** True when standard error is an interactive terminal (progress redraws one line). */
  readonly isTTY: boolean;
}

/** The process's standard output and error. */
export function processOutput(): Output {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
  };
}

/** An {@link Output} that keeps everything in memory (`out` and `err`), e.g. for tests. */
export function bufferOutput(isTTY = false): Output & { out: string; err: string } {
  const buffer = {
    out: '',
    err: '',
    isTTY,
    stdout(text: string) {
      buffer.out += text;
    },
    stderr(text: string) {
      buffer.err += text;
    },
  };
  return buffer;
}

/**
 * `dale <command> [options]`: dispatch to a command, print usage and errors, and map outcomes to
 * exit codes.
 * @module
 */
import { DaleError } from '@dale/core';
import { INFO_COMMAND, runInfo } from './commands/info.ts';
import { runSample, SAMPLE_COMMAND } from './commands/sample.ts';
import { type RunContext, runTrain, TRAIN_COMMAND } from './commands/train.ts';
import { EXIT_CODES, InterruptedError, UsageError } from './errors.ts';
import {
  type CommandSpec,
  closest,
  EXIT_CODES_HELP,
  formatHelp,
  type OptionValues,
  parseCommand,
} from './options.ts';
import { type Output, processOutput } from './output.ts';
import { cliVersion } from './version.ts';

/** A command: its spec (options, `--help`) and the function that runs it. */
export interface Command {
  readonly spec: CommandSpec;
  readonly run: (values: OptionValues, output: Output, context: RunContext) => Promise<number>;
}

/** The commands of `dale`, by name. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  info: { spec: INFO_COMMAND, run: runInfo },
  train: { spec: TRAIN_COMMAND, run: runTrain },
  sample: { spec: SAMPLE_COMMAND, run: runSample },
};

/** `dale --help`: the commands and exit codes. */
export function formatMainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    'dale: multiplicative score-based diffusion (geometric Brownian motion) on TensorFlow.js',
    '',
    'Usage: dale <command> [options]',
    '       dale <command> --help',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.spec.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help',
    '  -v, --version  print the version of dale',
    '',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
}

/** Options of {@link main}. */
export interface MainOptions extends RunContext {
  /** Where to write; default the process's stdout and stderr. */
  readonly output?: Output;
}

function hint(command: string | undefined): string {
  return command
    ? `Run 'dale ${command} --help' for its options.`
    : "Run 'dale --help' for the commands.";
}

/**
 * Run `dale` with its arguments (`process.argv.slice(2)`); resolves to the exit code: 0 ok,
 * 1 runtime failure, 2 usage error, 130 interrupted. Never throws for errors of the command.
 */
export async function main(args: readonly string[], options: MainOptions = {}): Promise<number> {
  const output = options.output ?? processOutput();
  const [first, ...rest] = args;
  try {
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      const topic = first === 'help' ? rest[0] : undefined;
      const command = topic === undefined ? undefined : COMMANDS[topic];
      if (topic !== undefined && !command) throw new UsageError(`unknown command '${topic}'`);
      output.stdout(command ? formatHelp(command.spec) : formatMainHelp());
      return first === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
    }
    if (first === '--version' || first === '-v') {
      output.stdout(`${cliVersion()}\n`);
      return EXIT_CODES.ok;
    }
    const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
    if (!command) {
      const suggestion = closest(first, Object.keys(COMMANDS));
      throw new UsageError(
        first.startsWith('-')
          ? `unknown option '${first}' (options go after the command)`
          : `unknown command '${first}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; commands: ${Object.keys(COMMANDS).join(', ')}`,
      );
    }
    const values = parseCommand(command.spec, rest);
    if (values.help) {
      output.stdout(formatHelp(command.spec));
      return EXIT_CODES.ok;
    }
    return await command.run(values, output, options.signal ? { signal: options.signal } : {});
  } catch (error) {
    if (error instanceof UsageError) {
      output.stderr(`dale: ${error.message}\n${hint(error.command)}\n`);
      return EXIT_CODES.usage;
    }
    if (error instanceof InterruptedError) {
      output.stderr(`\ndale: ${error.message}\n`);
      return EXIT_CODES.interrupted;
    }
    const message =
      error instanceof DaleError
        ? `${error.message} [${error.code}]`
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    output.stderr(`\ndale: error: ${message}\n`);
    return EXIT_CODES.failure;
  }
}

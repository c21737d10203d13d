/**
 * `dale <command> [options]`: dispatch to a command, print usage and errors, and map outcomes to
 * exit codes.
 * @module
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DaleError } from '@dale/core';
import { EVAL_COMMAND, runEval } from './commands/eval.ts';
import { INFO_COMMAND, runInfo } from './commands/info.ts';
import { runSample, SAMPLE_COMMAND } from './commands/sample.ts';
import { type RunContext, runTrain, TRAIN_COMMAND } from './commands/train.ts';
import { EXIT_CODES, InterruptedError, stoppedExitCode, UsageError } from './errors.ts';
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
  eval: { spec: EVAL_COMMAND, run: runEval },
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
    '  -h, --help       show this help',
    '  -v, --version    print the version of dale',
    '  --import MODULE  import a module first (repeatable), e.g. one that registers a sampler or',
    '                   an SDE family: dale sample --import ./my-sampler.ts --sampler my-sampler …',
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

/** The `--import MODULE` options (anywhere on the line) and the arguments without them. */
function splitImports(commandLine: readonly string[]): { modules: string[]; args: string[] } {
  const modules: string[] = [];
  const args: string[] = [];
  for (let i = 0; i < commandLine.length; i++) {
    const arg = commandLine[i]!;
    if (arg.startsWith('--import=')) modules.push(arg.slice('--import='.length));
    else if (arg === '--import') {
      const module = commandLine[i + 1];
      if (module === undefined || module.startsWith('-')) {
        throw new UsageError(
          `option --import: expected a module path or package name, got ${module === undefined ? 'nothing' : `'${module}'`}`,
        );
      }
      modules.push(module);
      i++;
    } else args.push(arg);
  }
  return { modules, args };
}

/**
 * Import a user module given to `--import`: a path (relative to the working directory) or a
 * package name. It runs before the command, so whatever it registers (samplers, SDE families,
 * backend plugins) is available by name.
 */
async function importUserModule(module: string): Promise<void> {
  const isPath = module.startsWith('.') || isAbsolute(module);
  const specifier = isPath ? pathToFileURL(resolve(module)).href : module;
  try {
    await import(specifier);
  } catch (error) {
    // `--import cli/x.ts` is a package name to Node; the file it meant needs `./`.
    const asPath = `./${module}`;
    const meantAPath =
      !isPath &&
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      (existsSync(resolve(module)) || /\.[cm]?[jt]s$/.test(module));
    throw new DaleError(
      'import-failed',
      `--import ${module}: ${error instanceof Error ? error.message : String(error)}${meantAPath ? `. ${module} is read as a package name; for the file, pass --import ${asPath}` : ''}`,
      { cause: error },
    );
  }
}

/**
 * Library messages that name an option of a function (`verify: false`, `resize: …`), reworded
 * for the command line, which has no such flag.
 */
const CLI_WORDING: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /: replace it, or pass verify: false to use it anyway/,
    ': delete it (dale then downloads the published file where the network allows) or replace it with the published one',
  ],
  [
    /; pass resize: 'bilinear' or 'area' to resize/,
    '; pass --resize N to resize every image to N×N',
  ],
  [
    /: resize them smaller \(options\.size with resize\), or use fewer/,
    ': pass --resize N (e.g. --resize 28) to train on smaller images',
  ],
];

/** `message` with {@link CLI_WORDING} applied. */
function forTheCommandLine(message: string): string {
  return CLI_WORDING.reduce((text, [pattern, wording]) => text.replace(pattern, wording), message);
}

/** What to do about the file-system errors a user can meet (no stack trace for those). */
const SYSTEM_ERROR_HINTS: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full: free some space (or choose another folder) and run again',
  EDQUOT: 'the disk quota is used up: free some space and run again',
  EROFS: 'the file system is read-only: choose a writable folder',
  EACCES: 'permission denied: choose a folder you may write to',
  EPERM: 'operation not permitted: choose a folder you may write to',
  ENOTDIR: 'a part of the path is a file, not a folder: check the path',
  EISDIR: 'the path is a folder, not a file: name a file',
  EMFILE: 'too many open files: raise the limit (ulimit -n) and run again',
};

/** A Node system error (`ENOSPC`, …) as one line with what to do, or undefined for others. */
function systemErrorMessage(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!(error instanceof Error) || typeof code !== 'string') return undefined;
  const hint = SYSTEM_ERROR_HINTS[code];
  return hint === undefined ? undefined : `${error.message}: ${hint} [${code}]`;
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
export async function main(
  commandLine: readonly string[],
  options: MainOptions = {},
): Promise<number> {
  const output = options.output ?? processOutput();
  try {
    const { modules, args } = splitImports(commandLine);
    for (const module of modules) await importUserModule(module);
    const [first, ...rest] = args;
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
      return stoppedExitCode(options.signal);
    }
    const message =
      error instanceof DaleError
        ? `${forTheCommandLine(error.message)} [${error.code}]`
        : (systemErrorMessage(error) ??
          (error instanceof Error ? (error.stack ?? error.message) : String(error)));
    output.stderr(`\ndale: error: ${message}\n`);
    return EXIT_CODES.failure;
  }
}

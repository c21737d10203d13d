/**
 * Command-line options: one declarative spec per command gives both the parser (`node:util`'s
 * `parseArgs`) and the `--help` text, so the two cannot drift apart.
 * @module
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

/** The default of an option: a number for {@link integerOption}, a string for {@link stringOption} and {@link choiceOption}. */
export type OptionDefault = number | string | boolean;

/** One option of a command. */
export interface OptionSpec {
  /** `'string'` takes a value (`--steps 100` or `--steps=100`); `'boolean'` is a flag. */
  readonly type: 'string' | 'boolean';
  /** One line for `--help`. */
  readonly description: string;
  /** The value's placeholder in `--help`, e.g. `'N'` or `'DIR'`; default `'VALUE'`. */
  readonly value?: string;
  /**
   * The value the command takes when the option is absent: the accessors ({@link integerOption},
   * {@link stringOption}, {@link choiceOption}) return it when given the command's spec, and
   * `--help` shows it as `(default: …)`. Written here once, for the code and the help.
   */
  readonly default?: OptionDefault;
  /**
   * The default as `--help` describes it, for a default that is no single value (it depends on
   * the checkpoint or the sampler, and the command resolves it itself); shown in place of
   * {@link OptionSpec.default}.
   */
  readonly defaultText?: string;
}

/** A command: its name, what it does, its usage line and options. */
export interface CommandSpec {
  readonly name: string;
  /** One line for `dale --help`. */
  readonly summary: string;
  /** The usage line, e.g. `'dale sample --checkpoint DIR [options]'`. */
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Free text after the options (examples, notes). */
  readonly details?: string;
}

/** Parsed option values by name (`--help` included), as `parseArgs` returns them. */
export type OptionValues = Record<string, string | boolean | undefined>;

/** The exit codes, as `--help` prints them. */
export const EXIT_CODES_HELP =
  'Exit codes: 0 ok, 1 runtime failure, 2 usage error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).';

const HELP_OPTION: OptionSpec = { type: 'boolean', description: 'show this help' };

function withHelp(spec: CommandSpec): Record<string, OptionSpec> {
  return { ...spec.options, help: HELP_OPTION };
}

function optionLabel(name: string, option: OptionSpec): string {
  const flag = name === 'help' ? '-h, --help' : `--${name}`;
  return option.type === 'string' ? `${flag} ${option.value ?? 'VALUE'}` : flag;
}

/** The `--help` text of a command: usage, every option with its description and default, exit codes. */
export function formatHelp(spec: CommandSpec): string {
  const options = Object.entries(withHelp(spec));
  const labels = options.map(([name, option]) => optionLabel(name, option));
  const width = Math.max(...labels.map((l) => l.length)) + 2;
  const lines = options.map(([, option], i) => {
    const text =
      option.defaultText ?? (option.default === undefined ? undefined : String(option.default));
    const fallback = text === undefined ? '' : ` (default: ${text})`;
    return `  ${labels[i]!.padEnd(width)}${option.description}${fallback}`;
  });
  return [
    `dale ${spec.name}: ${spec.summary}`,
    '',
    `Usage: ${spec.usage}`,
    '',
    'Options:',
    ...lines,
    ...(spec.details ? ['', spec.details] : []),
    '',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidate closest to `word` (at most 2 edits away), for "did you mean" hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function quoted(message: string): string | undefined {
  return /'([^']+)'/.exec(message)?.[1];
}

/**
 * Parse a command's arguments against its spec. Unknown options, missing values and stray
 * positional arguments are {@link UsageError}s that name the option (with a suggestion when one
 * is close).
 */
export function parseCommand(spec: CommandSpec, args: readonly string[]): OptionValues {
  const options = withHelp(spec);
  const config = Object.fromEntries(
    Object.entries(options).map(([name, option]) => [
      name,
      name === 'help' ? { type: option.type, short: 'h' } : { type: option.type },
    ]),
  );
  // `--steps -1`: parseArgs takes a value starting with '-' for an option; a negative number is
  // a value (checked later, with a message that says what is allowed).
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  try {
    return parseArgs({ args: joined, options: config, strict: true, allowPositionals: false })
      .values as OptionValues;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    const where = `dale ${spec.name}`;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = quoted(message) ?? message;
      const suggestion = closest(option.replace(/^-+/, '').split('=')[0]!, Object.keys(options));
      throw new UsageError(
        `unknown option '${option}' for '${where}'${suggestion ? ` (did you mean --${suggestion}?)` : ''}`,
        spec.name,
      );
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const option = /--[a-z-]+/.exec(message)?.[0] ?? message;
      const takesValue = options[option.slice(2)]?.type === 'string';
      throw new UsageError(
        takesValue
          ? `option ${option} of '${where}' needs a value`
          : `option ${option} of '${where}' is a flag and takes no value`,
        spec.name,
      );
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new UsageError(
        `unexpected argument '${quoted(message) ?? message}' for '${where}' (options start with --)`,
        spec.name,
      );
    }
    throw new UsageError(`${where}: ${message}`, spec.name);
  }
}

/**
 * Where an accessor reads an option: the command's name (the option's value, or `undefined` when
 * absent) or the command's spec (the value, or the spec's {@link OptionSpec.default} when absent).
 */
export type OptionSource = string | { readonly name: string; readonly options: object };

/**
 * What an accessor returns for option `N` read through `S`: `T` when `S` is a command spec whose
 * option `N` has a default, else `T | undefined`.
 */
export type OptionResult<S, N extends string, T> = S extends { readonly options: infer O }
  ? N extends keyof O
    ? O[N] extends { readonly default: OptionDefault }
      ? T
      : T | undefined
    : T | undefined
  : T | undefined;

function commandName(source: OptionSource): string {
  return typeof source === 'string' ? source : source.name;
}

/** The spec's default of option `name`, checked with `valid` (a wrong default is a bug of dale's). */
function specDefault(
  source: OptionSource | undefined,
  name: string,
  valid: (value: OptionDefault) => boolean,
): OptionDefault | undefined {
  if (source === undefined || typeof source === 'string') return undefined;
  const value = (source.options as Record<string, OptionSpec | undefined>)[name]?.default;
  if (value !== undefined && !valid(value)) {
    throw new Error(
      `the default of --${name} of 'dale ${source.name}' is not a valid value: ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * A string option's value; when absent, the default of the option's spec if `command` is a
 * command spec, else `undefined`.
 */
export function stringOption<S extends OptionSource = string, N extends string = string>(
  values: OptionValues,
  name: N,
  command?: S,
): OptionResult<S, N, string> {
  type Result = OptionResult<S, N, string>;
  const value = values[name];
  if (typeof value === 'string') return value as Result;
  return specDefault(command, name, (d) => typeof d === 'string') as Result;
}

/** A required string option; a {@link UsageError} names it when absent. */
export function requiredOption(values: OptionValues, name: string, command: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value === '')
    throw new UsageError(`'dale ${command}' needs --${name}`, command);
  return value;
}

/**
 * An integer option ≥ `min`; anything else is a {@link UsageError}. When absent: the default of
 * the option's spec if `command` is a command spec, else `undefined`.
 */
export function integerOption<S extends OptionSource, N extends string>(
  values: OptionValues,
  name: N,
  command: S,
  min = 1,
): OptionResult<S, N, number> {
  type Result = OptionResult<S, N, number>;
  const text = stringOption(values, name);
  if (text === undefined) {
    return specDefault(
      command,
      name,
      (d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= min,
    ) as Result;
  }
  const where = commandName(command);
  const value = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    const sign = value < 0 ? `: the value must be ${min >= 1 ? 'positive' : 'zero or more'}` : '';
    throw new UsageError(
      `option --${name} of 'dale ${where}': expected an integer >= ${min}, got '${text}'${sign}`,
      where,
    );
  }
  return value as Result;
}

/**
 * A string option restricted to `choices`. When absent: the default of the option's spec if
 * `command` is a command spec (it must be one of `choices`), else `undefined`.
 */
export function choiceOption<C extends string, S extends OptionSource, N extends string>(
  values: OptionValues,
  name: N,
  command: S,
  choices: readonly C[],
): OptionResult<S, N, C> {
  type Result = OptionResult<S, N, C>;
  const value = stringOption(values, name);
  if (value === undefined) {
    return specDefault(command, name, (d) => (choices as readonly unknown[]).includes(d)) as Result;
  }
  const where = commandName(command);
  if (!(choices as readonly string[]).includes(value)) {
    const suggestion = closest(value, choices);
    throw new UsageError(
      `option --${name} of 'dale ${where}': expected one of ${choices.join(', ')}, got '${value}'${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
      where,
    );
  }
  return value as Result;
}

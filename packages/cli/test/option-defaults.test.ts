/**
 * Each option's default is written once, in its spec: `--help` renders it and the accessors return
 * it when the option is absent. The commands are run without their defaulted options and with
 * each spec default given explicitly, and must do the same.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVAL_COMMAND } from '../src/commands/eval.ts';
import { SAMPLE_COMMAND } from '../src/commands/sample.ts';
import { bufferOutput, main } from '../src/index.ts';
import { COMMANDS } from '../src/main.ts';
import {
  type CommandSpec,
  choiceOption,
  formatHelp,
  integerOption,
  stringOption,
} from '../src/options.ts';
import { writeTinyConditionalCheckpoint } from './tiny-checkpoint.ts';

const root = mkdtempSync(join(tmpdir(), 'dale-cli-defaults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `--name VALUE` for every option of `spec` with a default: the defaults, given explicitly. */
function explicitDefaults(spec: CommandSpec): string[] {
  return Object.entries(spec.options).flatMap(([name, option]) =>
    option.default === undefined ? [] : [`--${name}`, String(option.default)],
  );
}

/** Run `dale` in `dir` (the default --out is relative); returns the exit code and output. */
async function daleIn(dir: string, args: string[], signal?: AbortSignal, stopAt?: string) {
  const output = bufferOutput();
  const controller = new AbortController();
  if (stopAt !== undefined) {
    const stderr = output.stderr;
    output.stderr = (text: string) => {
      stderr(text);
      if (text.startsWith(stopAt)) controller.abort();
    };
  }
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const code = await main(args, { output, signal: signal ?? controller.signal });
    return { code, out: output.out, err: output.err };
  } finally {
    process.chdir(cwd);
  }
}

describe('option defaults', () => {
  const spec = {
    name: 'demo',
    summary: 'a demo',
    usage: 'dale demo',
    options: {
      n: { type: 'string', value: 'N', default: 64, description: 'number' },
      out: { type: 'string', value: 'FILE', default: 'x.png', description: 'file' },
      mode: { type: 'string', value: 'a|b', default: 'b', description: 'mode' },
      level: { type: 'string', value: 'L', defaultText: 'depends', description: 'level' },
      bad: { type: 'string', value: 'N', default: 'ten', description: 'wrongly typed default' },
    },
  } satisfies CommandSpec;

  it('are rendered in --help from the typed value (or the descriptive text)', () => {
    const help = formatHelp(spec);
    expect(help).toMatch(/--n N +number \(default: 64\)$/m);
    expect(help).toMatch(/--out FILE +file \(default: x\.png\)$/m);
    expect(help).toMatch(/--level L +level \(default: depends\)$/m);
    // Every command's help shows each spec default as the accessors return it.
    for (const { spec: command } of Object.values(COMMANDS)) {
      const text = formatHelp(command);
      for (const option of Object.values(command.options)) {
        if (option.default !== undefined && option.defaultText === undefined)
          expect(text).toContain(`${option.description} (default: ${String(option.default)})`);
      }
    }
  });

  it('are what the accessors return for an absent option, given the spec', () => {
    expect(integerOption({}, 'n', spec)).toBe(64);
    expect(integerOption({ n: '3' }, 'n', spec)).toBe(3);
    expect(integerOption({}, 'n', 'demo')).toBeUndefined();
    expect(stringOption({}, 'out', spec)).toBe('x.png');
    expect(stringOption({}, 'out')).toBeUndefined();
    expect(choiceOption({}, 'mode', spec, ['a', 'b'])).toBe('b');
    expect(choiceOption({}, 'level', spec, ['a', 'b'])).toBeUndefined();
    // A default the accessor cannot return is a bug of the spec, not a usage error.
    expect(() => integerOption({}, 'bad', spec)).toThrow(/the default of --bad of 'dale demo'/);
    expect(() => choiceOption({}, 'mode', spec, ['a'])).toThrow(/the default of --mode/);
    expect(() => integerOption({}, 'n', spec, 100)).toThrow(/the default of --n/);
  });
});

describe('each spec default is what the command uses without the option (wasm or auto)', () => {
  it('dale sample: --n, --seed, --out, --weights, --backend, --start, --class, --ode-method, --spacing', async () => {
    const checkpoint = await writeTinyConditionalCheckpoint(join(root, 'tiny'), {
      labelDropout: 0.1,
    });
    const explicit = explicitDefaults(SAMPLE_COMMAND);
    expect(explicit).toEqual(
      expect.arrayContaining(['--n', '--seed', '--out', '--weights', '--backend', '--start']),
    );
    expect(explicit).toContain('--class');
    const base = ['sample', '--checkpoint', checkpoint, '--steps', '2'];
    const runs: { out: string; png: Buffer; first: string }[] = [];
    for (const [i, args] of [
      [...base],
      [...base, ...explicit],
      [...base, '--seed', '1'],
    ].entries()) {
      const dir = mkdtempSync(join(root, `sample-${i}-`));
      const result = await daleIn(dir, args);
      expect(result.err).not.toContain('error');
      expect(result.code).toBe(0);
      runs.push({
        out: result.out,
        png: readFileSync(join(dir, 'samples.png')),
        first: result.err.split('\n').find((l) => l.startsWith('sampling'))!,
      });
    }
    const [implicit, given, otherSeed] = runs as [
      (typeof runs)[0],
      (typeof runs)[0],
      (typeof runs)[0],
    ];
    expect(implicit.out).toMatch(/^wrote 64 samples to samples\.png/);
    expect(implicit.first).toContain('every class in turn (10), guidance 1');
    expect(given.out).toBe(implicit.out);
    expect(given.first).toBe(implicit.first);
    expect(given.png.equals(implicit.png)).toBe(true);
    // The comparison can tell: another seed draws other samples.
    expect(otherSeed.png.equals(implicit.png)).toBe(false);
  });

  it.skipIf(!process.env.DALE_DATA_DIR)(
    'dale eval: --n, --batch, --metrics, --seed, --weights, --start, --class, --out (stopped before the first batch)',
    async () => {
      const checkpoint = await writeTinyConditionalCheckpoint(join(root, 'tiny-eval'), {
        labelDropout: 0.1,
      });
      const explicit = explicitDefaults(EVAL_COMMAND);
      expect(explicit).toEqual(expect.arrayContaining(['--n', '--batch', '--metrics', '--out']));
      const base = ['eval', '--checkpoint', checkpoint, '--steps', '2'];
      const lines: string[] = [];
      for (const [i, args] of [[...base], [...base, ...explicit]].entries()) {
        const dir = mkdtempSync(join(root, `eval-${i}-`));
        const result = await daleIn(dir, args, undefined, 'evaluating');
        expect(result.code).toBe(130);
        lines.push(result.err.split('\n').find((l) => l.startsWith('evaluating'))!);
      }
      expect(lines[0]).toMatch(/^evaluating 10000 samples .* in 20 batches of up to 500$/);
      expect(lines[1]).toBe(lines[0]);
    },
  );
});

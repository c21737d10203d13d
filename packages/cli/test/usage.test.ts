import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferOutput, COMMANDS, EXIT_CODES, main } from '../src/index.ts';

/** Run `dale` in-process; returns the exit code and what it wrote. */
async function dale(...args: string[]) {
  const output = bufferOutput();
  const code = await main(args, { output });
  return { code, out: output.out, err: output.err };
}

/** The options each command must document (the brief of the CLI). */
const DOCUMENTED: Record<string, string[]> = {
  info: ['--json'],
  train: [
    '--dataset',
    '--preset',
    '--backend',
    '--out',
    '--steps',
    '--batch',
    '--resume',
    '--seed',
    '--config',
    '--limit',
    '--sample-every',
  ],
  sample: [
    '--checkpoint',
    '--model',
    '--sampler',
    '--steps',
    '--n',
    '--seed',
    '--out',
    '--backend',
    '--raw',
  ],
};

describe('dale --help', () => {
  it('lists every command and the exit codes', async () => {
    const { code, out } = await dale('--help');
    expect(code).toBe(EXIT_CODES.ok);
    for (const name of ['info', 'train', 'sample'])
      expect(out).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(out).toContain('0 ok, 1 runtime failure, 2 usage error, 130 interrupted');
  });

  it('without a command prints the usage and exits 2', async () => {
    const { code, out } = await dale();
    expect(code).toBe(EXIT_CODES.usage);
    expect(out).toContain('Usage: dale <command>');
  });

  for (const [name, options] of Object.entries(DOCUMENTED)) {
    it(`dale ${name} --help documents each of its options`, async () => {
      const { code, out, err } = await dale(name, '--help');
      expect(code).toBe(0);
      expect(err).toBe('');
      expect(out).toContain(`Usage: dale ${name}`);
      const documented = [...out.matchAll(/^ {2}(?:-h, )?(--[a-z-]+)/gm)].map((m) => m[1]);
      expect(documented).toEqual(expect.arrayContaining([...options, '--help']));
      // …and nothing the parser accepts is left out of the help.
      expect(documented.sort()).toEqual(
        [...Object.keys(COMMANDS[name]!.spec.options).map((o) => `--${o}`), '--help'].sort(),
      );
      expect(await dale('help', name)).toEqual({ code: 0, out, err: '' });
    });
  }
});

describe('usage errors exit with 2 and say what is wrong', () => {
  it('an unknown command, with a suggestion', async () => {
    const { code, err } = await dale('trian', '--steps', '3');
    expect(code).toBe(2);
    expect(err).toContain("unknown command 'trian' (did you mean 'train'?)");
    expect(err).toContain('commands: info, train, sample');
  });

  it('an unknown option, with a suggestion and a pointer to --help', async () => {
    const { code, err } = await dale('train', '--dataset', 'mnist', '--stepz', '3');
    expect(code).toBe(2);
    expect(err).toContain("unknown option '--stepz' for 'dale train' (did you mean --steps?)");
    expect(err).toContain("Run 'dale train --help'");
  });

  it('a malformed or missing value', async () => {
    const bad = await dale('train', '--dataset', 'mnist', '--out', 'x', '--steps', '1e3');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(
      "option --steps of 'dale train': expected an integer >= 1, got '1e3'",
    );
    const missing = await dale('sample', '--checkpoint');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("option --checkpoint of 'dale sample' needs a value");
    const noOut = await dale('train', '--dataset', 'mnist');
    expect(noOut).toMatchObject({
      code: 2,
      err: expect.stringContaining("'dale train' needs --out"),
    });
    const preset = await dale('train', '--dataset', 'mnist', '--out', 'x', '--preset', 'quik');
    expect(preset.err).toContain("expected one of quick, paper, got 'quik' (did you mean quick?)");
  });

  it('an unknown sampler or backend', async () => {
    const sampler = await dale('sample', '--checkpoint', 'x', '--sampler', 'ddim');
    expect(sampler.code).toBe(2);
    expect(sampler.err).toContain("option --sampler of 'dale sample': expected one of pc, ode,");
    expect(sampler.err).toContain("got 'ddim'");
    const backend = await dale('info', '--backend', 'cpu');
    expect(backend.code).toBe(2);
    const train = await dale('train', '--dataset', 'mnist', '--out', 'x', '--backend', 'webgl');
    expect(train.err).toContain("option --backend of 'dale train': expected one of auto,");
  });

  it('--model says that no pretrained model ships yet', async () => {
    const { code, err } = await dale('sample', '--model', 'mnist');
    expect(code).toBe(2);
    expect(err).toContain('--model mnist: no pretrained model ships with dale yet');
  });
});

describe('the dale executable', () => {
  const bin = join(import.meta.dirname, '../src/bin.ts');
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--conditions=@dale/source', bin, ...args], { encoding: 'utf8' });

  it('prints the help with exit code 0 and exits 2 on an unknown command', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: dale <command> [options]');
    const unknown = run('bogus');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("dale: unknown command 'bogus'");
  });
});

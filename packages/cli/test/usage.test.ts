import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from '@dale/data';
import { describe, expect, it } from 'vitest';
import { bufferOutput, EXIT_CODES, main } from '../src/index.ts';
import { COMMANDS } from '../src/main.ts';

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
    '--strip',
  ],
  eval: [
    '--checkpoint',
    '--model',
    '--metrics',
    '--n',
    '--sampler',
    '--steps',
    '--seed',
    '--batch',
    '--backend',
    '--out',
    '--sheet',
    '--inception',
  ],
};

describe('dale --help', () => {
  it('lists every command and the exit codes', async () => {
    const { code, out } = await dale('--help');
    expect(code).toBe(EXIT_CODES.ok);
    for (const name of ['info', 'train', 'sample', 'eval'])
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
    expect(err).toContain('commands: info, train, sample, eval');
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
    expect(preset.err).toContain(
      "expected one of quick, paper, edm, got 'quik' (did you mean quick?)",
    );
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

  it('--model: a pretrained name, not together with --checkpoint', async () => {
    for (const command of ['sample', 'eval']) {
      const unknown = await dale(command, '--model', 'cifar10');
      expect(unknown.code).toBe(2);
      expect(unknown.err).toContain(
        `option --model of 'dale ${command}': expected a pretrained model (mnist, mnist-paper, fashion-mnist, kmnist), got 'cifar10'`,
      );
      const both = await dale(command, '--model', 'mnist', '--checkpoint', 'runs/x');
      expect(both.code).toBe(2);
      expect(both.err).toContain(
        `options --checkpoint and --model of 'dale ${command}': expected one of them, got both (--checkpoint runs/x, --model mnist)`,
      );
      const neither = await dale(command, '--n', '4');
      expect(neither.code).toBe(2);
      expect(neither.err).toContain(
        `'dale ${command}' needs --checkpoint DIR or --model NAME (pretrained: mnist, mnist-paper, fashion-mnist, kmnist)`,
      );
    }
  });

  it('--model mnist-edm, the old name of mnist, still works and says to use mnist', async () => {
    for (const command of ['sample', 'eval']) {
      // The unknown sampler stops the command right after the model is resolved.
      const alias = await dale(command, '--model', 'mnist-edm', '--sampler', 'ddim');
      expect(alias.err).toContain(
        '--model mnist-edm is deprecated: it is now called mnist; use --model mnist\n',
      );
      expect(alias.err).toContain(`option --sampler of 'dale ${command}'`);
      const current = await dale(command, '--model', 'mnist', '--sampler', 'ddim');
      expect(current.err).not.toContain('deprecated');
    }
  });
});

describe('dale eval usage errors exit with 2 and name the flag, what it takes and what it got', () => {
  it('a bad --metrics entry', async () => {
    const { code, err } = await dale('eval', '--model', 'mnist', '--metrics', 'fid,kdi');
    expect(code).toBe(2);
    expect(err).toContain(
      "option --metrics of 'dale eval': expected a comma-separated list of fid, kid, pr, nn, got 'fid,kdi' ('kdi' is not one; did you mean kid?)",
    );
    expect(err).toContain("Run 'dale eval --help'");
    const empty = await dale('eval', '--model', 'mnist', '--metrics', 'fid,');
    expect(empty.err).toContain("got 'fid,' ('' is not one)");
  });

  it('--n below 2, a bad --batch', async () => {
    const n = await dale('eval', '--model', 'mnist', '--n', '1');
    expect(n.code).toBe(2);
    expect(n.err).toContain("option --n of 'dale eval': expected an integer >= 2, got '1'");
    const batch = await dale('eval', '--model', 'mnist', '--batch', '0');
    expect(batch.code).toBe(2);
    expect(batch.err).toContain("option --batch of 'dale eval': expected an integer >= 1, got '0'");
  });

  it('--sheet without nn, an unknown sampler', async () => {
    const sheet = await dale('eval', '--model', 'mnist', '--metrics', 'fid', '--sheet', 'nn.png');
    expect(sheet.code).toBe(2);
    expect(sheet.err).toContain(
      "option --sheet of 'dale eval' draws the nearest-neighbour check: expected nn in --metrics, got 'fid'",
    );
    const sampler = await dale('eval', '--model', 'mnist', '--sampler', 'ddim');
    expect(sampler.code).toBe(2);
    expect(sampler.err).toContain("option --sampler of 'dale eval': expected one of pc, ode,");
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

  it('--import runs a user module first: its sampler is used by name; bad imports are errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dale-import-'));
    const out = join(dir, 'constant.png');
    const fixture = join(import.meta.dirname, 'fixtures', 'register-sampler.ts');
    const args = ['--model', 'mnist', '--n', '4', '--backend', 'cpu', '--out', out];
    const unknown = await dale('sample', '--sampler', 'fixture-constant', ...args);
    expect(unknown.code).toBe(2);
    const ran = await dale('sample', '--import', fixture, '--sampler', 'fixture-constant', ...args);
    expect(ran.code, ran.err).toBe(0);
    const png = decodePng(readFileSync(out), out);
    // Four 28×28 cells of the constant 1.5 → pixel value 0.5 (128/255) inside every cell.
    const centre = (png.height >> 2) * png.width * png.channels + (png.width >> 2) * png.channels;
    expect(png.values[centre]).toBeCloseTo(128 / 255, 6);
    const missing = await dale('sample', '--import');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('option --import: expected a module path');
    const broken = await dale('--import', './no-such-module.ts', 'info');
    expect(broken.code).toBe(1);
    expect(broken.err).toContain('--import ./no-such-module.ts:');
    rmSync(dir, { recursive: true, force: true });
  });
});

/**
 * Fault injection around the outputs of `dale sample` and `dale eval` (issue 16, item 1): every
 * output path is checked before any work, nothing of another kind is overwritten without
 * `--force`, and an interrupted evaluation keeps what it measured.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvalReport } from '../src/commands/eval.ts';
import { bufferOutput, main } from '../src/index.ts';
import { daleChild } from './fault-run.ts';
import { writeTinyCheckpoint } from './tiny-checkpoint.ts';

const hasData = Boolean(process.env.DALE_DATA_DIR);
if (!hasData) console.warn('the interrupted dale eval test is skipped: DALE_DATA_DIR is not set');

const root = mkdtempSync(join(tmpdir(), 'dale-faults-output-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const checkpoint = await writeTinyCheckpoint(join(root, 'tiny'));
const weights = join(checkpoint, 'model.safetensors');
const aFile = join(root, 'notes.txt');
writeFileSync(aFile, 'a regular file\n');
const aFolder = join(root, 'folder');
mkdirSync(aFolder);

async function dale(...args: string[]) {
  const output = bufferOutput();
  const code = await main(args, { output });
  return { code, out: output.out, err: output.err };
}

const sample = (...args: string[]) =>
  dale(
    'sample',
    '--checkpoint',
    checkpoint,
    '--n',
    '2',
    '--steps',
    '2',
    '--backend',
    'cpu',
    ...args,
  );

describe('1. dale sample checks every output before sampling', () => {
  it('--out a folder, a path under a regular file, --strip a folder: exit 2, no sampling', async () => {
    for (const [args, message] of [
      [['--out', aFolder], `option --out of 'dale sample': ${aFolder} is a folder: name a file`],
      [
        ['--out', join(aFile, 'x.png')],
        `option --out of 'dale sample': ${join(aFile, 'x.png')} cannot be written: ${aFile} is a file, not a folder`,
      ],
      [
        ['--out', join(root, 'ok.png'), '--strip', aFolder],
        `option --strip of 'dale sample': ${aFolder} is a folder`,
      ],
      [
        ['--out', join(root, 'ok.png'), '--raw', join(aFile, 'raw.safetensors')],
        `option --raw of 'dale sample'`,
      ],
    ] as const) {
      const run = await sample(...args);
      expect(run.code, run.err).toBe(2);
      expect(run.err).toContain(message);
      expect(run.err).not.toContain('sampling 2 images');
    }
  });

  it('--out and --strip naming the same file is refused', async () => {
    const same = join(root, 'same.png');
    const run = await sample('--out', same, '--strip', `${root}/./same.png`);
    expect(run.code).toBe(2);
    expect(run.err).toContain("options --out and --strip of 'dale sample' name the same file");
  });

  it("--out at a checkpoint's model.safetensors is refused (unchanged) unless --force", async () => {
    const before = readFileSync(weights);
    const refused = await sample('--out', weights);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(
      `${weights} exists and is not a PNG file: refusing to overwrite it (choose another name, or pass --force)`,
    );
    expect(readFileSync(weights).equals(before)).toBe(true);
    const png = join(root, 'grid.png');
    expect((await sample('--out', png)).code).toBe(0);
    const again = await sample('--out', png); // a PNG is replaced as before
    expect(again.code, again.err).toBe(0);
    const copy = join(root, 'copy.safetensors');
    writeFileSync(copy, before);
    const forced = await sample('--out', copy, '--force');
    expect(forced.code, forced.err).toBe(0);
    expect(readFileSync(copy).subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('1. dale eval checks --out and --sheet before any work', () => {
  const evalArgs = (...args: string[]) =>
    dale(
      'eval',
      '--checkpoint',
      checkpoint,
      '--n',
      '4',
      '--steps',
      '2',
      '--backend',
      'cpu',
      ...args,
    );

  it('--out under a regular file, --sheet a folder, --out not JSON: exit 2 before evaluating', async () => {
    for (const [args, message] of [
      [['--out', join(aFile, 'e.json')], `${aFile} is a file, not a folder`],
      [['--out', join(root, 'e.json'), '--sheet', aFolder], `${aFolder} is a folder`],
      [['--out', weights], `${weights} exists and is not a JSON file`],
      [['--out', join(root, 'x'), '--sheet', join(root, 'x')], 'name the same file'],
    ] as const) {
      const run = await evalArgs(...args);
      expect(run.code, run.err).toBe(2);
      expect(run.err).toContain(message);
      expect(run.err).not.toContain('evaluating');
    }
  });

  it.skipIf(!hasData)(
    'SIGTERM during sampling writes the figures of the samples done so far, exit 143',
    async () => {
      const out = join(root, 'partial.json');
      const run = daleChild(
        [
          'eval',
          '--checkpoint',
          checkpoint,
          '--n',
          '2000',
          '--batch',
          '16',
          '--steps',
          '4',
          '--metrics',
          'fid,kid,pr',
          '--backend',
          'wasm',
          '--out',
          out,
        ],
        { DALE_DATA_DIR: process.env.DALE_DATA_DIR },
      );
      await run.waitFor(/batch \d+\/125/, 120_000);
      run.child.kill('SIGTERM');
      const exit = await run.exit;
      expect(exit.code, run.err()).toBe(143);
      expect(run.err()).toMatch(/interrupted: wrote the figures of \d+ of 2000 samples to/);
      const report = JSON.parse(readFileSync(out, 'utf8')) as EvalReport;
      expect(report.status).toBe('interrupted');
      expect(report.measured).toBeGreaterThanOrEqual(32);
      expect(report.measured % 16).toBe(0);
      expect(report.settings.n).toBe(2000);
      expect(report.fid).toBeGreaterThan(0);
      expect(report.precisionRecall?.generatedSamples).toBe(report.measured);
      expect(report.notes.join('\n')).toContain(
        `interrupted (SIGTERM) after ${report.measured} of 2000 samples`,
      );
    },
    180_000,
  );
});

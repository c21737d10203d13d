import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalReport } from '../src/commands/eval.ts';
import { bufferOutput, main } from '../src/index.ts';
import { writeTinyCheckpoint } from './tiny-checkpoint.ts';

const hasData = Boolean(process.env.DALE_DATA_DIR);
const root = mkdtempSync(join(tmpdir(), 'dale-cli-eval-failure-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sampler = fileURLToPath(new URL('./fixtures/failing-sampler.ts', import.meta.url));

describe.skipIf(!hasData)('a dale eval that fails part-way (MNIST reference, wasm)', () => {
  let checkpoint: string;
  beforeAll(async () => {
    checkpoint = await writeTinyCheckpoint(join(root, 'tiny'));
  });

  it('writes the figures of the batches it finished, names the error, and exits with it', async () => {
    const out = join(root, 'failed.json');
    const output = bufferOutput();
    const code = await main(
      [
        'eval',
        '--import',
        sampler,
        '--checkpoint',
        checkpoint,
        '--sampler',
        'fails-second-run',
        '--n',
        '8',
        '--batch',
        '4',
        '--metrics',
        'fid,kid,pr',
        '--backend',
        'wasm',
        '--out',
        out,
      ],
      { output },
    );
    expect(code, output.err).toBe(1);
    expect(output.err).toContain(
      'the evaluation failed after 4 of 8 samples: wrote their figures to',
    );
    expect(output.err).toContain('the test sampler broke on run 2');
    const report = JSON.parse(readFileSync(out, 'utf8')) as EvalReport;
    expect(report.status).toBe('failed');
    expect(report.measured).toBe(4);
    expect(report.fid).toBeGreaterThan(0);
    expect(report.notes.join('\n')).toContain(
      'failed after 4 of 8 samples (the test sampler broke on run 2)',
    );
  }, 120_000);
});

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferOutput } from '@dale/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { pipelineCommands, runPipeline } from '../src/pipeline.ts';

const hasData = Boolean(process.env.DALE_DATA_DIR);
if (!hasData) console.warn('examples/mnist test skipped: DALE_DATA_DIR is not set');
const root = mkdtempSync(join(tmpdir(), 'dale-mnist-example-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('examples/mnist', () => {
  it('runs the quick preset by default: train, sample and eval on the same checkpoint', () => {
    const [train, sample, evaluate] = pipelineCommands({ out: 'runs/x' });
    expect(train).toEqual([
      ...['train', '--dataset', 'mnist', '--preset', 'quick', '--backend', 'wasm'],
      ...['--out', 'runs/x'],
    ]);
    expect(sample).toContain(join('runs/x', 'checkpoint'));
    expect(evaluate!.slice(0, 3)).toEqual(['eval', '--checkpoint', join('runs/x', 'checkpoint')]);
    expect(evaluate).toContain('fid,kid,pr,nn');
  });

  it.skipIf(!hasData)('train → sample → eval end to end on an MNIST slice', async () => {
    const out = join(root, 'run');
    const config = join(root, 'tiny.json');
    writeFileSync(config, JSON.stringify({ sampleCount: 4, sampleSteps: 2, logEvery: 1 }));
    const output = bufferOutput();
    const lines: string[] = [];
    const code = await runPipeline({
      out,
      trainSteps: 3,
      limit: 64,
      batch: 8,
      trainConfig: config,
      sampleSteps: 2,
      evalSamples: 16,
      output,
      log: (line) => lines.push(line),
    });
    expect(code, output.err).toBe(0);
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['train', 'sample', 'eval']);
    for (const file of [
      'checkpoint/config.json',
      'loss.png',
      'samples.png',
      'chain.png',
      'nn.png',
    ]) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    const report = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8'));
    expect(report.fid).toBeGreaterThan(0);
    expect(report.classifier.histogram.reduce((a: number, b: number) => a + b, 0)).toBe(16);
  });
});

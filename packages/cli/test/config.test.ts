import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateTrainConfig } from '../src/config.ts';
import { UsageError } from '../src/errors.ts';
import { bufferOutput, main } from '../src/index.ts';

const root = mkdtempSync(join(tmpdir(), 'dale-cli-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const error = (value: unknown) => {
  try {
    validateTrainConfig(value, 'run.json');
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('validateTrainConfig', () => {
  it('accepts every documented field with a valid value', () => {
    const config = {
      steps: 10,
      batchSize: 4,
      learningRate: 1e-3,
      warmupSteps: 0,
      gradClipNorm: null,
      emaDecay: 0.99,
      checkpointEvery: 5,
      sampleEvery: 0,
      sampleCount: 4,
      sampleSteps: 3,
      seed: 0,
      limit: null,
      logEvery: 1,
      model: { baseChannels: 8, channelMultipliers: [1, 2] },
    };
    expect(validateTrainConfig(config, 'run.json')).toEqual(config);
  });

  it('names the field, what it expected and what it got', () => {
    expect(error({ steps: '10' })).toBe(
      'run.json: field "steps": expected an integer >= 1, got "10" (a string)',
    );
    expect(error({ steps: 2.5 })).toBe(
      'run.json: field "steps": expected an integer >= 1, got 2.5 (a number)',
    );
    expect(error({ warmupSteps: -1 })).toContain('expected an integer >= 0, got -1');
    expect(error({ learningRate: 0 })).toBe(
      'run.json: field "learningRate": expected a number > 0, got 0 (a number)',
    );
    expect(error({ gradClipNorm: 'off' })).toContain('expected a number > 0 or null');
    expect(error({ emaDecay: 1 })).toContain('expected a number in [0, 1), got 1');
    expect(error({ limit: [64] })).toContain('got [64] (an array)');
    expect(error({ model: 3 })).toContain('field "model": expected an object of U-Net fields');
    expect(error({ model: { baseChannels: 'wide' } })).toMatch(
      /^run\.json: field "model": .*baseChannels.*"wide"/,
    );
    expect(error({ model: { baseChannels: 12, groups: 8 } })).toMatch(
      /^run\.json: field "model": .*groups/,
    );
    expect(error([1])).toContain('field "(top level)": expected a JSON object');
  });

  it('rejects unknown fields, listing the known ones', () => {
    expect(error({ step: 10 })).toMatch(/^run\.json: unknown field "step" \(known fields: steps, /);
    expect(error({ model: { base: 8 } })).toMatch(
      /unknown field "model.base" \(known fields: .*baseChannels/,
    );
  });
});

describe('dale train --config', () => {
  it('a wrong field type is a usage error (exit 2) with the documented message', async () => {
    const file = join(root, 'bad.json');
    writeFileSync(file, JSON.stringify({ steps: 100, batchSize: 'eight' }));
    const output = bufferOutput();
    const code = await main(
      ['train', '--dataset', 'mnist', '--out', join(root, 'run'), '--config', file],
      {
        output,
      },
    );
    expect(code).toBe(2);
    expect(output.err).toContain(
      `${file}: field "batchSize": expected an integer >= 1, got "eight" (a string)`,
    );
  });

  it('invalid JSON and a missing file are usage errors too', async () => {
    const file = join(root, 'broken.json');
    writeFileSync(file, '{ "steps": 3,, }');
    const broken = bufferOutput();
    expect(
      await main(['train', '--dataset', 'mnist', '--out', root, '--config', file], {
        output: broken,
      }),
    ).toBe(2);
    expect(broken.err).toContain(`${file}: not valid JSON`);
    const missing = bufferOutput();
    const absent = join(root, 'absent.json');
    expect(
      await main(['train', '--dataset', 'mnist', '--out', root, '--config', absent], {
        output: missing,
      }),
    ).toBe(2);
    expect(missing.err).toContain(`cannot read the config file ${absent}`);
  });
});

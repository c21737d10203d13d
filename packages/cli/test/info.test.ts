import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DALE_PACKAGES, type InfoReport } from '../src/commands/info.ts';
import { bufferOutput, main } from '../src/index.ts';

const packages = join(import.meta.dirname, '../..');
const versionOn = (dir: string) =>
  (JSON.parse(readFileSync(join(packages, dir, 'package.json'), 'utf8')) as { version: string })
    .version;

describe('dale info', () => {
  it('--json lists cpu and wasm as available, the choice of auto and the versions', async () => {
    const output = bufferOutput();
    expect(await main(['info', '--json'], { output })).toBe(0);
    const report = JSON.parse(output.out) as InfoReport;
    const byName = new Map(report.backends.map((b) => [b.name, b]));
    expect(byName.get('cpu')?.available).toBe(true);
    expect(byName.get('wasm')?.available).toBe(true);
    // Highest priority first. `available` is as when named: webgpu on this machine's software
    // adapter is, but auto declines software adapters and takes wasm (20 > cpu); tensorflow needs
    // tfjs-node, which cannot be installed here.
    const priorities = report.backends.map((b) => b.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
    expect(byName.get('tensorflow')?.available).toBe(false);
    expect(report.auto.name).toBe('wasm');
    expect(report.auto.device).not.toBe('');
    expect(report.node).toBe(process.version);
    expect(report.versions['@dale/cli']).toBe(versionOn('cli'));
    for (const name of DALE_PACKAGES)
      expect(report.versions[name]).toBe(versionOn(name.slice('@dale/'.length)));
  });

  it('prints the same facts as text', async () => {
    const output = bufferOutput();
    expect(await main(['info'], { output })).toBe(0);
    expect(output.out).toMatch(/^ {2}wasm +priority 20 +available$/m);
    expect(output.out).toMatch(/^ {2}cpu +priority \d+ +available$/m);
    expect(output.out).toMatch(/^auto chooses: wasm on .+$/m);
    expect(output.out).toContain(`node ${process.version}`);
  });
});

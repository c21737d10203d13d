import { readFile } from 'node:fs/promises';
import { Rng, useBackend } from '@dale/core';
import { decodePng } from '@dale/data';
import { fetchPretrainedModel } from '@dale/pretrained';
import { describe, expect, it } from 'vitest';
import { loadGenerator, toPng } from '../src/index.ts';

/** The README's first code block, without its import lines. */
async function readmeQuickStart(): Promise<string> {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const after = readme.slice(readme.indexOf('## Quick start'));
  const start = after.indexOf('```ts\n') + 6;
  return after
    .slice(start, after.indexOf('\n```', start))
    .replace(/^import[\s\S]*?from '[^']+';\n/gm, '')
    .trim();
}

describe('README', () => {
  it('the quick start runs: 4 digits from the pretrained model as a PNG sheet', async () => {
    // In Node, fetchPretrainedModel reads the package's own files: no fetch stub needed.
    const logged: string[] = [];
    const console = { log: (line: string) => logged.push(line) };
    // README:quick-start
    await useBackend('cpu');
    const generator = await loadGenerator(await fetchPretrainedModel('mnist'), { source: 'mnist' });
    const run = await generator.generate({
      n: 4,
      sampler: 'dpm-solver-2m', // a few-step sampler for this class-conditional denoiser
      settings: { steps: 12 },
      labels: [0, 1, 2, 3], // the digits asked for
      guidance: 1, // classifier-free guidance (also this model's default, generator.defaultGuidance)
      rng: Rng.fromSeed(0),
      onStep: ({ step, total }) => console.log(`${step}/${total}`),
    });
    const png = await toPng(run.pixels); // a 2 × 2 sheet of the digits 0–3, as PNG bytes
    run.dispose();
    generator.dispose();
    // README:end
    expect(logged.at(-1)).toBe('12/12');
    const sheet = decodePng(png, 'sheet.png');
    expect([sheet.width, sheet.height]).toEqual([2 * 28 + 3 * 2, 2 * 28 + 3 * 2]);
    const source = await readFile(new URL(import.meta.url), 'utf8');
    const region = source
      .slice(source.indexOf('// README:quick-start\n') + 22, source.indexOf('    // README:end'))
      .split('\n')
      .map((line) => line.slice(4))
      .join('\n')
      .trim();
    expect(region).toBe(await readmeQuickStart());
  });
});

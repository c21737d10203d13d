/** The README's example runs, and the README shows exactly this code (checked below). */
import { readFileSync } from 'node:fs';
import { Rng } from '@dale/core';
import { expect, it } from 'vitest';
import { FeatureStatistics, fid, kid, precisionRecall } from '../src/index.ts';

/** Lines between two marker comments of this file, without their common indentation. */
function region(source: string, start: string, end: string): string {
  const lines = source.split('\n');
  const body = lines.slice(
    lines.findIndex((l) => l.includes(start)) + 1,
    lines.findIndex((l) => l.includes(end)),
  );
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => l.search(/\S/)));
  return body
    .map((l) => l.slice(indent))
    .join('\n')
    .trim();
}

it('the README example computes FID, KID and precision/recall of two feature sets', () => {
  // README:start
  const rng = Rng.fromSeed(0);
  const dim = 8;
  const features = (n: number, shift: number) => {
    const data = new Float64Array(n * dim);
    for (let i = 0; i < data.length; i++) data[i] = shift + rng.normal();
    return { data, rows: n, dim };
  };
  const real = features(500, 0);
  const generated = features(500, 0.5);

  // Streaming statistics: add batches as they come (reference statistics can be saved and reused).
  const realStats = new FeatureStatistics(dim).add(real);
  const generatedStats = new FeatureStatistics(dim).add(generated);
  const fidValue = fid(realStats, generatedStats); // ≈ ‖μ₁ − μ₂‖² = 8 · 0.5² = 2

  const { mean: kidMean, std: kidStd } = kid(real, generated, { subsets: 64, subsetSize: 64 });
  const { precision, recall } = precisionRecall(real, generated, { k: 3 });
  console.log({ fidValue, kidMean, kidStd, precision, recall });
  // README:end
  expect(fidValue).toBeGreaterThan(1.6);
  expect(fidValue).toBeLessThan(2.4);
  expect(kidMean).toBeGreaterThan(0);
  expect(precision).toBeGreaterThan(0.3);
  expect(recall).toBeGreaterThan(0.3);
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const snippet = region(
    readFileSync(new URL(import.meta.url), 'utf8'),
    'README:start',
    'README:end',
  );
  expect(readme).toContain(snippet);
});

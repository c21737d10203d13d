import { describe, expect, it } from 'vitest';
import { loadTrainingSet } from '../src/dataset.ts';
import { referenceImages } from '../src/reference.ts';

const hasData = Boolean(process.env.DALE_DATA_DIR);

describe.skipIf(!hasData)('KMNIST training set offline (only the test split is there)', () => {
  it('is the 8,000 test images of the domain classifier, disjoint from the 2,000 dale eval uses', async () => {
    const train = await loadTrainingSet('kmnist', null);
    const held = await referenceImages('kmnist', 'domain');
    expect(train.size).toBe(8000);
    expect(held.size).toBe(2000);
    const key = (values: Float32Array) => Array.from(values, (v) => Math.round(v * 255)).join(',');
    const seen = new Set<string>();
    for (let i = 0; i < train.size; i++) seen.add(key(train.values([i])));
    let shared = 0;
    for (let i = 0; i < held.size; i++) if (seen.has(key(held.values([i])))) shared += 1;
    // KMNIST has a few duplicate images across the split; a swapped or overlapping split shares thousands.
    expect(shared).toBeLessThan(20);
    expect(train.classCounts().every((c) => c > 700)).toBe(true);
  });
});

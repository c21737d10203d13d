import { describe, expect, it } from 'vitest';
import { constantSchedule, Rng, timeGrid, useBackend } from '../src/index.ts';

// Mirrors the snippet in README.md: if this breaks, update the README too.
describe('README example', () => {
  it('runs', async () => {
    const chosen = await useBackend('auto');
    expect(chosen.name).toBe('cpu');
    const schedule = constantSchedule({ sigma: 0.8, mu: { sigmaSquaredRatio: 0.5 } });
    expect(schedule.muIntegral(1)).toBeCloseTo(0.32, 12);
    expect(schedule.sigmaSquaredIntegral(1)).toBeCloseTo(0.64, 12);
    const rng = Rng.fromSeed(42);
    const dataRng = rng.split('data');
    const noiseRng = rng.split('sampler');
    expect([...dataRng.permutation(5)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(Number.isFinite(noiseRng.normal())).toBe(true);
    const { times } = timeGrid({ steps: 4, eps: 1e-3 });
    expect(times[0]).toBe(1);
    expect(times[4]).toBeCloseTo(1e-3, 12);
  });
});

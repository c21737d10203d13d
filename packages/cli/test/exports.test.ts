import { describe, expect, it } from 'vitest';

describe('@dale/cli public API', () => {
  it('is main, its options and outputs, and the exit codes (the rest is not public)', async () => {
    const api = await import('@dale/cli');
    expect(Object.keys(api).sort()).toEqual([
      'EXIT_CODES',
      'bufferOutput',
      'main',
      'processOutput',
    ]);
  });
});

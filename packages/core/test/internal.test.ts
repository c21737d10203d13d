import { describe, expect, it } from 'vitest';
import * as core from '../src/index.ts';

// The group-norm kernel bodies are not public API: backends import them from '@dale/core/internal'.
const KERNEL_BODIES = [
  'GROUP_NORM_GRAD_KERNEL',
  'groupNormBackward',
  'groupNormDims',
  'groupNormForward',
  'groupNormGradConfig',
  'registerFusedGroupNorm',
  'runGroupNormKernel',
];

describe('@dale/core/internal', () => {
  it('holds the group-norm kernel bodies, which the public entry does not export', async () => {
    const internal: Record<string, unknown> = await import('@dale/core/internal');
    for (const name of KERNEL_BODIES) {
      expect(Object.hasOwn(core, name), name).toBe(false);
      expect(internal[name], name).toBeDefined();
    }
    // What models and programs use stays public.
    expect(core.GROUP_NORM_KERNEL).toBe('DaleGroupNorm');
    expect(core.fusedGroupNormAvailable).toBeTypeOf('function');
  });
});

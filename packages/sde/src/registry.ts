import { DaleError } from '@dale/core';
import { AdditiveSDE, type AdditiveSDEConfig } from './additive.ts';
import { CIR, type CIRConfig } from './cir.ts';
import { GBM, type GBMConfig } from './gbm.ts';
import type { SDE, SDEConfig } from './types.ts';

const families = new Map<string, (config: SDEConfig) => SDE>([
  ['gbm', (c) => GBM.fromConfig(c as GBMConfig)],
  ['ve', (c) => AdditiveSDE.fromConfig(c as AdditiveSDEConfig)],
  ['vp', (c) => AdditiveSDE.fromConfig(c as AdditiveSDEConfig)],
  ['cir', (c) => CIR.fromConfig(c as CIRConfig)],
]);

/**
 * Register an SDE family so that checkpoints and the CLI can rebuild it from its JSON form.
 * Returns a function that unregisters it.
 */
export function registerSDEFamily(
  family: string,
  fromConfig: (config: SDEConfig) => SDE,
): () => void {
  if (!family) throw new DaleError('invalid-sde', 'an SDE family needs a non-empty name');
  families.set(family, fromConfig);
  return () => {
    if (families.get(family) === fromConfig) families.delete(family);
  };
}

/** The registered family names. */
export function listSDEFamilies(): string[] {
  return [...families.keys()];
}

/** Rebuild an SDE from its JSON form (`sde.toJSON()`). */
export function sdeFromConfig(config: SDEConfig): SDE {
  const build = config && families.get(config.family);
  if (!build) {
    throw new DaleError(
      'invalid-sde',
      `unknown SDE family ${JSON.stringify(config?.family)}; registered: ${listSDEFamilies().join(', ')}`,
    );
  }
  return build(config);
}

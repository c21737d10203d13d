import { createRegistry, DaleError, type RegisterOptions } from '@dale/core';
import { AdditiveSDE, type AdditiveSDEConfig } from './additive.ts';
import { CIR, type CIRConfig } from './cir.ts';
import { GBM, type GBMConfig } from './gbm.ts';
import type { SDE, SDEConfig } from './types.ts';

/** Rebuilds an SDE of one family from its JSON form. */
export type SDEFactory = (config: SDEConfig) => SDE;

const families = createRegistry<SDEFactory>({
  what: 'SDE family',
  invalidCode: 'invalid-sde',
  duplicateCode: 'duplicate-sde-family',
});
families.register('gbm', (c) => GBM.fromConfig(c as GBMConfig));
families.register('ve', (c) => AdditiveSDE.fromConfig(c as AdditiveSDEConfig));
families.register('vp', (c) => AdditiveSDE.fromConfig(c as AdditiveSDEConfig));
families.register('cir', (c) => CIR.fromConfig(c as CIRConfig));

/**
 * Register an SDE family so that checkpoints and the CLI can rebuild it from its JSON form.
 * A name taken by a different factory throws unless `{ replace: true }` (`createRegistry`'s
 * convention of `@dale/core`). Returns a function that unregisters it.
 */
export function registerSDEFamily(
  family: string,
  fromConfig: SDEFactory,
  options: RegisterOptions = {},
): () => void {
  return families.register(family, fromConfig, options);
}

/** The registered family names. */
export function listSDEFamilies(): string[] {
  return families.names();
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

/**
 * Model kinds by name, so that checkpoints and the CLI can rebuild a model from its config.
 * @module
 */
import { createRegistry, DaleError, type RegisterOptions, type Rng } from '@dale/core';
import { type MlpConfig, mlpFromConfig } from './mlp.ts';
import type { Model, ModelConfig } from './model.ts';
import { type UnetConfig, unetFromConfig } from './unet.ts';

/** Builds a model of one kind from its config and a generator for the initial weights. */
export type ModelFactory = (config: ModelConfig, rng: Rng) => Model;

const kinds = createRegistry<ModelFactory>({
  what: 'model kind',
  invalidCode: 'invalid-model-config',
  duplicateCode: 'duplicate-model-kind',
});
kinds.register('mlp', (config, rng) => mlpFromConfig(config as MlpConfig, rng));
kinds.register('unet', (config, rng) => unetFromConfig(config as UnetConfig, rng));

/**
 * Register a model kind (e.g. `'unet'`) so that {@link modelFromConfig} can build it. A name
 * taken by a different factory throws unless `{ replace: true }` (`createRegistry`'s convention
 * of `@dale/core`). Returns a function that unregisters it.
 */
export function registerModelKind(
  kind: string,
  factory: ModelFactory,
  options: RegisterOptions = {},
): () => void {
  return kinds.register(kind, factory, options);
}

/** The registered model kinds. */
export function listModelKinds(): string[] {
  return kinds.names();
}

/** Build a model from its JSON config (`model.config`), with fresh weights drawn from `rng`. */
export function modelFromConfig(config: ModelConfig, rng: Rng): Model {
  const factory = config && kinds.get(config.kind);
  if (!factory) {
    throw new DaleError(
      'invalid-model-config',
      `model config: kind must be one of ${listModelKinds().join(', ')}, got ${JSON.stringify(config?.kind)}`,
    );
  }
  return factory(config, rng);
}

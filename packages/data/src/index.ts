/**
 * `@dale/data`: datasets, positivity transforms and synthetic ground truths for dale.
 * @packageDocumentation
 */
export {
  GaussianMixture,
  type MixtureComponent,
  normalCdf,
  perTime,
} from './synthetic/gaussian-mixture.ts';
export { LogNormalMixture } from './synthetic/lognormal-mixture.ts';

import { LogNormalMixture } from '@dale/data';

/** The toy target: three log-normal blobs in the positive quadrant (components in log space). */
export const toyTarget = new LogNormalMixture([
  { weight: 0.4, mean: [-0.5, 0.35], std: [0.18, 0.18] },
  { weight: 0.35, mean: [0.55, -0.35], std: [0.22, 0.15] },
  { weight: 0.25, mean: [0.45, 0.8], std: [0.15, 0.2] },
]);

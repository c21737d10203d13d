import { moments, onCpu, take } from '@dale/testing';

export { moments, onCpu, take };

/** Standard error bounds used across the statistical tests: |estimate − truth| < 5 SE. */
export const Z = 5;

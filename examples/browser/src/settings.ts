/** What the page samples unless the query string says otherwise (`?n=…&steps=…&seed=…`). */

/** Images sampled by default: a 4 × 4 grid. */
export const DEFAULT_COUNT = 16;
/** Sampler steps by default, as `dale sample` (the reference uses 1000; 100 keeps the page to seconds on a GPU). */
export const DEFAULT_STEPS = 100;

import { ksDistance, type LogNormalMixture } from '@dale/data';

/** The largest per-dimension Kolmogorov–Smirnov distance between samples ([n, d] flat) and the target. */
export function ksToTarget(samples: ArrayLike<number>, target: LogNormalMixture): number {
  const d = target.dim;
  const n = samples.length / d;
  let worst = 0;
  for (let dim = 0; dim < d; dim++) {
    const column = Float64Array.from({ length: n }, (_, i) => samples[i * d + dim]!);
    worst = Math.max(
      worst,
      ksDistance(column, (x) => target.marginalCdf(dim, x)),
    );
  }
  return worst;
}

/**
 * Sliced Wasserstein-1 distance in log space between two samples of equal size ([n, d] flat):
 * the mean over `directions` fixed unit directions of the 1-D W1 of the projections.
 */
export function slicedW1Log(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  d: number,
  directions = 16,
): number {
  const n = a.length / d;
  if (b.length !== a.length) throw new Error('slicedW1Log needs samples of equal size');
  let total = 0;
  for (let k = 0; k < directions; k++) {
    const angle = (Math.PI * k) / directions;
    const u =
      d === 2
        ? [Math.cos(angle), Math.sin(angle)]
        : Array.from({ length: d }, (_, j) => (j === k % d ? 1 : 0));
    const project = (s: ArrayLike<number>) =>
      Float64Array.from({ length: n }, (_, i) => {
        let v = 0;
        for (let j = 0; j < d; j++) v += u[j]! * Math.log(s[i * d + j]!);
        return v;
      }).sort();
    const pa = project(a);
    const pb = project(b);
    let w = 0;
    for (let i = 0; i < n; i++) w += Math.abs(pa[i]! - pb[i]!);
    total += w / n;
  }
  return total / directions;
}

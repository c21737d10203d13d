/** Special functions for the CIR family, in double precision. @module */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 (Lanczos, g = 7; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * log I_ν(z) for ν > −1, z ≥ 0, by the power series Σ (z/2)^{2k+ν} / (k! Γ(k+ν+1)) summed in
 * log space (exact to rounding for the moderate z where dale's tests and the CIR density use it).
 */
export function logBesselI(nu: number, z: number): number {
  if (z === 0) return nu === 0 ? 0 : Number.NEGATIVE_INFINITY;
  const logHalfZ = Math.log(z / 2);
  let best = Number.NEGATIVE_INFINITY;
  const terms: number[] = [];
  for (let k = 0; k < 10_000; k++) {
    const term = (2 * k + nu) * logHalfZ - logGamma(k + 1) - logGamma(k + nu + 1);
    terms.push(term);
    if (term > best) best = term;
    if (k > z && term < best - 40) break;
  }
  let sum = 0;
  for (const term of terms) sum += Math.exp(term - best);
  return best + Math.log(sum);
}

/**
 * The ratio I_{ν+1}(z) / I_ν(z) for ν > −1, z ≥ 0, by backward recurrence of the continued
 * fraction R_n = z / (2(n+1) + z R_{n+1}) from an index well past z (where it converges fast).
 */
export function besselRatio(nu: number, z: number): number {
  if (z === 0) return 0;
  const start = Math.ceil(Math.max(40, 2 * z + 20));
  const top = nu + start;
  let r = z / (top + 0.5 + Math.sqrt((top + 1.5) ** 2 + z * z));
  for (let n = start - 1; n >= 0; n--) r = z / (2 * (nu + n + 1) + z * r);
  return r;
}

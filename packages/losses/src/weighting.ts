/**
 * Loss weightings λ(t) for score matching over time (guide: M11, M12).
 * @module
 */
import { DaleError } from '@dale/core';
import type { SDE, Time } from '@dale/sde';

/**
 * Names of the built-in weightings. They are defined through the variance v(t) of the kernel's
 * Gaussian noise ({@link noiseVariance}: S²(t) for GBM, the kernel variance for VE/VP), so one
 * name means the same thing for multiplicative and additive SDEs:
 *
 * - `'reference'`: λ = v(t)², the reference implementation's (σ²t)² generalised to (S²(t))² for a
 *   scheduled GBM. The weighted DSM residual becomes the Tweedie residual: for GBM
 *   ‖S² s_θ + log x_t − log x₀ − M + 3S²/2‖² (guide: M9, M12); for VE/VP ‖v s_θ + x_t − e^M x₀‖²
 *   (data prediction).
 * - `'noise-prediction'`: λ = v(t), Song et al.'s "σ²" weighting; the residual becomes
 *   ‖√v s_θ + Z‖² for VE/VP and ‖S (s_θ + 1) + Z‖² for GBM (predicting the noise Z).
 * - `'none'`: λ = 1.
 */
export type WeightingName = 'reference' | 'noise-prediction' | 'none';

/** A custom weighting: λ(t) ≥ 0 (finite) at time t of `sde`. */
export type WeightingFn = (t: number, sde: SDE) => number;

/** A weighting given by name or as a function. */
export type LossWeighting = WeightingName | WeightingFn;

/**
 * The variance v(t) of the Gaussian noise in the forward kernel, `sde.kernel.variance(t)` (see
 * `GaussianKernel` of `@dale/sde`): S²(t) = ∫₀ᵗ σ² for GBM (the variance of log X_t given X₀,
 * guide: M2), the kernel variance for VE/VP (VE: S²(t); VP: 1 − e^{−S²(t)}), and that of any
 * family that declares its kernel. Families without a Gaussian kernel (CIR) have none: this
 * throws, and losses over them need `weighting: 'none'` or a custom function.
 */
export function noiseVariance(sde: SDE, t: number): number {
  if (sde.kernel) return sde.kernel.variance(t);
  throw new DaleError(
    'unsupported-weighting',
    `noiseVariance: the named weightings need the variance of the kernel's Gaussian noise, which SDE family '${sde.family}' (kind '${sde.kind}') does not declare (its \`kernel\`); pass weighting: 'none' or a function (t, sde) => λ(t)`,
  );
}

/** The built-in weightings λ(t) by name (see {@link WeightingName}). */
export const LOSS_WEIGHTINGS: Readonly<Record<WeightingName, WeightingFn>> = Object.freeze({
  reference: (t: number, sde: SDE) => noiseVariance(sde, t) ** 2,
  'noise-prediction': (t: number, sde: SDE) => noiseVariance(sde, t),
  none: () => 1,
});

/** The weighting function for a name or function; default `'reference'`. Throws on unknown names. */
export function resolveWeighting(weighting: LossWeighting = 'reference'): WeightingFn {
  if (typeof weighting === 'function') return weighting;
  if (Object.hasOwn(LOSS_WEIGHTINGS, weighting)) return LOSS_WEIGHTINGS[weighting];
  throw new DaleError(
    'invalid-weighting',
    `weighting must be one of ${Object.keys(LOSS_WEIGHTINGS)
      .map((n) => `'${n}'`)
      .join(', ')} or a function (t, sde) => λ(t), got ${JSON.stringify(weighting)}`,
  );
}

/** λ(t_b) for each of `batch` examples, validated finite and ≥ 0. */
export function weightsAt(weighting: WeightingFn, sde: SDE, t: Time, batch: number): Float32Array {
  const out = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    const tb = typeof t === 'number' ? t : t[b]!;
    const value = weighting(tb, sde);
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new DaleError(
        'invalid-weighting',
        `weighting: λ(t) must be a finite number >= 0, got ${value} at t = ${tb}`,
      );
    }
    out[b] = value;
  }
  return out;
}

/**
 * The M-DSM weighting of the preconditioned log-space denoiser (guide: M18): λ(t) = w(S) S⁴ with
 * w(S) = (S² + σ_d²)/(S σ_d)², S = S(t). With it M-DSM is Karras et al.'s weighted denoiser loss
 * w(S) ‖D − log x₀‖², since the M-DSM residual of a denoiser is (D − log x₀)/S² (guide: M16).
 * `sigmaData` is σ_d of the log data.
 */
export function denoiserWeighting(sigmaData: number): WeightingFn {
  if (!(Number.isFinite(sigmaData) && sigmaData > 0)) {
    throw new DaleError(
      'invalid-weighting',
      `denoiserWeighting: sigmaData must be a finite number > 0, got ${sigmaData}`,
    );
  }
  return (t, sde) => {
    const S2 = noiseVariance(sde, t);
    return ((S2 + sigmaData * sigmaData) / (S2 * sigmaData * sigmaData)) * S2 * S2;
  };
}

/**
 * The preconditioned log-space denoiser: Karras et al. (2022, EDM) carried through the Lamperti
 * transform y = log x (guide: M14–M17).
 * @module
 */
import { DaleError } from '@dale/core';

/**
 * The data statistics a denoiser model is preconditioned with, measured on the training set's
 * log data y₀ = log T(x) (T the positivity transform): `dataMean`, the mean of y₀ over all pixels,
 * and `sigmaData`, its standard deviation (0.219 for MNIST under x + 1).
 */
export interface Preconditioning {
  readonly sigmaData: number;
  readonly dataMean: number;
}

/** The four preconditioning coefficients at one noise level (guide: M17). */
export interface PreconditioningCoefficients {
  /** Weight of the skip connection: σ_d² / (S² + σ_d²). */
  readonly cSkip: number;
  /** Scale of the network output: S σ_d / √(S² + σ_d²). */
  readonly cOut: number;
  /** Scale of the network input: 1 / √(S² + σ_d²). */
  readonly cIn: number;
  /** The noise level the network is conditioned on: ¼ ln S. */
  readonly cNoise: number;
}

/** Validate a {@link Preconditioning} (finite mean, σ_d > 0), naming `what` in the error. */
export function checkPreconditioning(value: unknown, what: string): Preconditioning {
  const p = value as Partial<Preconditioning> | null;
  if (
    !p ||
    typeof p !== 'object' ||
    !(typeof p.sigmaData === 'number' && Number.isFinite(p.sigmaData) && p.sigmaData > 0) ||
    !(typeof p.dataMean === 'number' && Number.isFinite(p.dataMean))
  ) {
    throw new DaleError(
      'invalid-model-config',
      `${what}: preconditioning must be { sigmaData > 0, dataMean } (finite numbers), got ${JSON.stringify(value)}`,
    );
  }
  return { sigmaData: p.sigmaData, dataMean: p.dataMean };
}

/**
 * c_skip, c_out, c_in and c_noise at log-space noise level S > 0 (guide: M17), for data of
 * standard deviation σ_d. With them D = μ_d + c_skip ŷ + c_out F(c_in ŷ, c_noise), where
 * ŷ = y_t − m(t) − μ_d, has unit-variance network input and target at every S.
 */
export function preconditioningAt(level: number, sigmaData: number): PreconditioningCoefficients {
  if (!(level > 0 && Number.isFinite(level))) {
    throw new DaleError(
      'invalid-time',
      `preconditioning: the noise level S must be a finite number > 0, got ${level} (t = 0 has no denoiser input to precondition)`,
    );
  }
  const total = level * level + sigmaData * sigmaData;
  return {
    cSkip: (sigmaData * sigmaData) / total,
    cOut: (level * sigmaData) / Math.sqrt(total),
    cIn: 1 / Math.sqrt(total),
    cNoise: Math.log(level) / 4,
  };
}

/**
 * The EDM loss weight w(S) = (S² + σ_d²) / (S σ_d)² = 1 / c_out², which makes the weighted
 * denoiser error w ‖D − y₀‖² the unit-scale error of the network output (guide: M18).
 */
export function denoiserLossWeight(level: number, sigmaData: number): number {
  return (level * level + sigmaData * sigmaData) / (level * sigmaData) ** 2;
}

import { DaleError } from '../errors.ts';

/**
 * How the drift coefficient μ(t) is specified: a constant, or proportional to σ²(t).
 * `{ sigmaSquaredRatio: 0.5 }` gives μ = σ²/2 (zero drift in log space for GBM, the
 * reference setting); `{ sigmaSquaredRatio: -0.5 }` gives the VP SDE's drift −β/2.
 */
export type DriftSpec = number | { readonly sigmaSquaredRatio: number };

/** JSON form of a schedule, as stored in checkpoints; rebuild it with {@link scheduleFromConfig}. */
export type ScheduleConfig =
  | {
      readonly kind: 'constant';
      readonly sigma: number;
      readonly mu: DriftSpec;
      readonly T: number;
    }
  | {
      readonly kind: 'linear' | 'cosine';
      readonly sigmaSquaredStart: number;
      readonly sigmaSquaredEnd: number;
      readonly mu: DriftSpec;
      readonly T: number;
    }
  | {
      readonly kind: 'geometric';
      readonly sigmaMin: number;
      readonly sigmaMax: number;
      readonly mu: DriftSpec;
      readonly T: number;
    };

/**
 * Time-dependent coefficients of a linear SDE on [0, T]: the diffusion σ(t), the drift μ(t)
 * and their closed-form integrals M(t) = ∫₀ᵗ μ and S²(t) = ∫₀ᵗ σ² (guide: equations M1–M2).
 */
export interface NoiseSchedule {
  /** Final time T > 0. */
  readonly T: number;
  /** σ(t) > 0. */
  sigma(t: number): number;
  /** σ²(t). */
  sigmaSquared(t: number): number;
  /** μ(t). */
  mu(t: number): number;
  /** M(t) = ∫₀ᵗ μ(s) ds. */
  muIntegral(t: number): number;
  /** S²(t) = ∫₀ᵗ σ²(s) ds. */
  sigmaSquaredIntegral(t: number): number;
  /** The JSON form of this schedule. */
  toJSON(): ScheduleConfig;
}

function requirePositive(name: string, value: number, what: string): void {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new DaleError(
      'invalid-schedule',
      `${what}: ${name} must be a finite number > 0, got ${value}`,
    );
  }
}

function requireFinite(name: string, value: number, what: string): void {
  if (!(typeof value === 'number' && Number.isFinite(value))) {
    throw new DaleError(
      'invalid-schedule',
      `${what}: ${name} must be a finite number, got ${value}`,
    );
  }
}

function validateDrift(mu: DriftSpec, what: string): void {
  if (typeof mu === 'number') requireFinite('mu', mu, what);
  else if (mu && typeof mu === 'object')
    requireFinite('mu.sigmaSquaredRatio', mu.sigmaSquaredRatio, what);
  else
    throw new DaleError(
      'invalid-schedule',
      `${what}: mu must be a number or { sigmaSquaredRatio }`,
    );
}

/** Shared machinery: a schedule is defined by σ²(t) and S²(t); μ and M follow from the drift spec. */
abstract class BaseSchedule implements NoiseSchedule {
  readonly T: number;
  protected readonly drift: DriftSpec;

  constructor(T: number, mu: DriftSpec, what: string) {
    requirePositive('T', T, what);
    validateDrift(mu, what);
    this.T = T;
    this.drift = mu;
  }

  abstract sigmaSquared(t: number): number;
  abstract sigmaSquaredIntegral(t: number): number;
  abstract toJSON(): ScheduleConfig;

  sigma(t: number): number {
    return Math.sqrt(this.sigmaSquared(t));
  }

  mu(t: number): number {
    return typeof this.drift === 'number'
      ? this.drift
      : this.drift.sigmaSquaredRatio * this.sigmaSquared(t);
  }

  muIntegral(t: number): number {
    return typeof this.drift === 'number'
      ? this.drift * t
      : this.drift.sigmaSquaredRatio * this.sigmaSquaredIntegral(t);
  }
}

class ConstantSchedule extends BaseSchedule {
  readonly #sigma: number;
  constructor(sigma: number, mu: DriftSpec, T: number) {
    super(T, mu, 'constantSchedule');
    requirePositive('sigma', sigma, 'constantSchedule');
    this.#sigma = sigma;
  }
  sigmaSquared(): number {
    return this.#sigma * this.#sigma;
  }
  sigmaSquaredIntegral(t: number): number {
    return this.#sigma * this.#sigma * t;
  }
  toJSON(): ScheduleConfig {
    return { kind: 'constant', sigma: this.#sigma, mu: this.drift, T: this.T };
  }
}

/** σ²(t) = a + (b − a) t/T, so S²(t) = a t + (b − a) t²/(2T). */
class LinearSchedule extends BaseSchedule {
  readonly start: number;
  readonly end: number;
  constructor(start: number, end: number, mu: DriftSpec, T: number) {
    super(T, mu, 'linearSchedule');
    this.start = start;
    this.end = end;
    requirePositive('sigmaSquaredStart', start, 'linearSchedule');
    requirePositive('sigmaSquaredEnd', end, 'linearSchedule');
  }
  sigmaSquared(t: number): number {
    return this.start + ((this.end - this.start) * t) / this.T;
  }
  sigmaSquaredIntegral(t: number): number {
    return this.start * t + ((this.end - this.start) * t * t) / (2 * this.T);
  }
  toJSON(): ScheduleConfig {
    const { start, end } = this;
    return {
      kind: 'linear',
      sigmaSquaredStart: start,
      sigmaSquaredEnd: end,
      mu: this.drift,
      T: this.T,
    };
  }
}

/** σ²(t) = a + (b − a)(1 − cos(πt/T))/2, so S²(t) = a t + (b − a)(t − T sin(πt/T)/π)/2. */
class CosineSchedule extends BaseSchedule {
  readonly start: number;
  readonly end: number;
  constructor(start: number, end: number, mu: DriftSpec, T: number) {
    super(T, mu, 'cosineSchedule');
    this.start = start;
    this.end = end;
    requirePositive('sigmaSquaredStart', start, 'cosineSchedule');
    requirePositive('sigmaSquaredEnd', end, 'cosineSchedule');
  }
  sigmaSquared(t: number): number {
    return this.start + ((this.end - this.start) * (1 - Math.cos((Math.PI * t) / this.T))) / 2;
  }
  sigmaSquaredIntegral(t: number): number {
    const ramp = t - (this.T * Math.sin((Math.PI * t) / this.T)) / Math.PI;
    return this.start * t + ((this.end - this.start) * ramp) / 2;
  }
  toJSON(): ScheduleConfig {
    const { start, end } = this;
    return {
      kind: 'cosine',
      sigmaSquaredStart: start,
      sigmaSquaredEnd: end,
      mu: this.drift,
      T: this.T,
    };
  }
}

/**
 * The VE SDE's schedule (Song et al. 2021): S²(t) = σ_min² ((σ_max/σ_min)^{2t/T} − 1), so the
 * accumulated noise grows geometrically; σ²(t) is its derivative.
 */
class GeometricSchedule extends BaseSchedule {
  readonly sigmaMin: number;
  readonly sigmaMax: number;
  readonly #logRatio: number;
  constructor(sigmaMin: number, sigmaMax: number, mu: DriftSpec, T: number) {
    super(T, mu, 'geometricSchedule');
    this.sigmaMin = sigmaMin;
    this.sigmaMax = sigmaMax;
    requirePositive('sigmaMin', sigmaMin, 'geometricSchedule');
    requirePositive('sigmaMax', sigmaMax, 'geometricSchedule');
    if (!(sigmaMax > sigmaMin)) {
      throw new DaleError(
        'invalid-schedule',
        `geometricSchedule: sigmaMax (${sigmaMax}) must exceed sigmaMin (${sigmaMin})`,
      );
    }
    this.#logRatio = Math.log(sigmaMax / sigmaMin);
  }
  sigmaSquared(t: number): number {
    const growth = Math.exp((2 * this.#logRatio * t) / this.T);
    return (this.sigmaMin * this.sigmaMin * growth * 2 * this.#logRatio) / this.T;
  }
  sigmaSquaredIntegral(t: number): number {
    return this.sigmaMin * this.sigmaMin * Math.expm1((2 * this.#logRatio * t) / this.T);
  }
  toJSON(): ScheduleConfig {
    return {
      kind: 'geometric',
      sigmaMin: this.sigmaMin,
      sigmaMax: this.sigmaMax,
      mu: this.drift,
      T: this.T,
    };
  }
}

/** Options shared by the schedules that are defined by σ²(t) at the start and end of [0, T]. */
export interface VarianceRampOptions {
  /** σ²(0) > 0. */
  sigmaSquaredStart: number;
  /** σ²(T) > 0. */
  sigmaSquaredEnd: number;
  /** The drift μ(t); default 0. */
  mu?: DriftSpec;
  /** Final time; default 1. */
  T?: number;
}

/**
 * Constant coefficients: σ(t) = σ, μ(t) = μ, so M(t) = μt and S²(t) = σ²t.
 * The reference implementation uses `constantSchedule({ sigma: 0.8, mu: 0.32 })`.
 */
export function constantSchedule(options: {
  sigma: number;
  mu?: DriftSpec;
  T?: number;
}): NoiseSchedule {
  return new ConstantSchedule(options.sigma, options.mu ?? 0, options.T ?? 1);
}

/** σ²(t) linear in t from `sigmaSquaredStart` to `sigmaSquaredEnd` (the VP SDE's β(t)). */
export function linearSchedule(options: VarianceRampOptions): NoiseSchedule {
  const { sigmaSquaredStart, sigmaSquaredEnd, mu = 0, T = 1 } = options;
  return new LinearSchedule(sigmaSquaredStart, sigmaSquaredEnd, mu, T);
}

/** σ²(t) following a half cosine from `sigmaSquaredStart` to `sigmaSquaredEnd`: slow at both ends. */
export function cosineSchedule(options: VarianceRampOptions): NoiseSchedule {
  const { sigmaSquaredStart, sigmaSquaredEnd, mu = 0, T = 1 } = options;
  return new CosineSchedule(sigmaSquaredStart, sigmaSquaredEnd, mu, T);
}

/** The VE SDE's geometric schedule between `sigmaMin` and `sigmaMax`. */
export function geometricSchedule(options: {
  sigmaMin: number;
  sigmaMax: number;
  mu?: DriftSpec;
  T?: number;
}): NoiseSchedule {
  return new GeometricSchedule(options.sigmaMin, options.sigmaMax, options.mu ?? 0, options.T ?? 1);
}

/** Rebuild a schedule from its JSON form (e.g. a checkpoint's config), validating every field. */
export function scheduleFromConfig(config: ScheduleConfig): NoiseSchedule {
  if (!config || typeof config !== 'object') {
    throw new DaleError(
      'invalid-schedule',
      `schedule config must be an object, got ${String(config)}`,
    );
  }
  switch (config.kind) {
    case 'constant':
      return constantSchedule(config);
    case 'linear':
      return linearSchedule(config);
    case 'cosine':
      return cosineSchedule(config);
    case 'geometric':
      return geometricSchedule(config);
    default:
      throw new DaleError(
        'invalid-schedule',
        `unknown schedule kind ${JSON.stringify((config as { kind?: unknown }).kind)}; expected constant, linear, cosine or geometric`,
      );
  }
}

/**
 * Seeded, splittable pseudo-random numbers, independent of any TensorFlow.js backend.
 *
 * The generator is xoshiro128** (Blackman & Vigna) seeded through splitmix32. Draws are
 * produced in JavaScript, so one seed gives the same numbers on every backend and every run.
 * @module
 */

/**
 * Serialisable state of an {@link Rng}: store it in a checkpoint and restore it with
 * {@link Rng.fromState}. A type alias rather than an interface, so that it is assignable to JSON
 * object types with an index signature, such as checkpoint `meta` (`{ rng: rng.state() }`).
 */
export type RngState = {
  /** The four 32-bit words of the xoshiro128** state. */
  readonly s: readonly [number, number, number, number];
  /** Number of streams split off so far (makes each {@link Rng.split} distinct). */
  readonly splits: number;
  /** A cached second Box–Muller normal, or null. */
  readonly spare: number | null;
};

function splitmix32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a hash of a string to 32 bits (for string seeds and split labels). */
function hashString(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const TWO_POW_32 = 4294967296;

/**
 * A seeded random-number generator with independent sub-streams.
 *
 * @example
 * ```ts
 * const rng = Rng.fromSeed(42);
 * const dataRng = rng.split('data');     // shuffling
 * const noiseRng = rng.split('sampler'); // sampler noise
 * noiseRng.normal();
 * ```
 */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #splits: number;
  #spare: number | null;

  private constructor(state: RngState) {
    const [a, b, c, d] = state.s;
    if ((a | b | c | d) === 0) throw new RangeError('Rng state must not be all zeros');
    this.#s0 = a >>> 0;
    this.#s1 = b >>> 0;
    this.#s2 = c >>> 0;
    this.#s3 = d >>> 0;
    this.#splits = state.splits;
    this.#spare = state.spare;
  }

  /** A generator from a seed: a finite number (its integer part and sign are used) or a string. */
  static fromSeed(seed: number | string): Rng {
    let word: number;
    if (typeof seed === 'string') {
      word = hashString(seed);
    } else {
      if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be finite, got ${seed}`);
      const whole = Math.trunc(seed);
      // Fold the high bits of large seeds in, so 2**32 + 1 and 1 differ.
      word = (whole >>> 0) ^ Math.imul(Math.floor(whole / TWO_POW_32) >>> 0, 0x9e3779b1);
    }
    const next = splitmix32(word);
    return new Rng({ s: [next(), next(), next(), next()], splits: 0, spare: null });
  }

  /** Restore a generator saved with {@link Rng.state}. */
  static fromState(state: RngState): Rng {
    if (!state || !Array.isArray(state.s) || state.s.length !== 4) {
      throw new TypeError('Rng.fromState expects { s: [4 uint32 words], splits, spare }');
    }
    return new Rng(state);
  }

  /** The current state, a plain JSON-serialisable object. */
  state(): RngState {
    return {
      s: [this.#s0, this.#s1, this.#s2, this.#s3],
      splits: this.#splits,
      spare: this.#spare,
    };
  }

  /** An independent copy with the same state (draws the same numbers as this one). */
  clone(): Rng {
    return new Rng(this.state());
  }

  /**
   * Split off an independent stream. The child is seeded from this generator's seed
   * material, a split counter and an optional label, without consuming draws of this stream,
   * so adding a split never changes the numbers the parent draws.
   */
  split(label = ''): Rng {
    this.#splits += 1;
    let h = hashString(label, this.#s0 ^ Math.imul(this.#splits, 0x9e3779b9));
    h = Math.imul(h ^ this.#s1, 0x85ebca6b) ^ rotl(this.#s2, 7) ^ rotl(this.#s3, 19);
    const next = splitmix32(h >>> 0);
    return new Rng({ s: [next(), next(), next(), next()], splits: 0, spare: null });
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.#s1 << 9) >>> 0;
    this.#s2 = (this.#s2 ^ this.#s0) >>> 0;
    this.#s3 = (this.#s3 ^ this.#s1) >>> 0;
    this.#s1 = (this.#s1 ^ this.#s2) >>> 0;
    this.#s0 = (this.#s0 ^ this.#s3) >>> 0;
    this.#s2 = (this.#s2 ^ t) >>> 0;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new RangeError(`Rng.int expects a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal draw (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.#spare !== null) {
      const v = this.#spare;
      this.#spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fill `out` with normal draws of the given mean and standard deviation. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Fill `out` with uniform draws in [low, high). */
  fillUniform<T extends Float32Array | Float64Array>(out: T, low = 0, high = 1): T {
    const width = high - low;
    for (let i = 0; i < out.length; i++) out[i] = low + width * this.uniform();
    return out;
  }

  /** Fill `out` with Rademacher draws (±1 with equal probability). */
  fillRademacher<T extends Float32Array | Float64Array>(out: T): T {
    let bits = 0;
    for (let i = 0; i < out.length; i++) {
      if ((i & 31) === 0) bits = this.nextUint32();
      out[i] = (bits >>> (i & 31)) & 1 ? 1 : -1;
    }
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = p[i]!;
      p[i] = p[j]!;
      p[j] = tmp;
    }
    return p;
  }

  /** A Gamma(shape, 1) draw (Marsaglia & Tsang 2000; shape < 1 through the boost u^(1/shape)). */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new RangeError(`Rng.gamma expects shape > 0, got ${shape}`);
    if (shape < 1) {
      let u = 0;
      while (u === 0) u = this.uniform();
      return this.gamma(shape + 1) * u ** (1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x ** 4) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** A Poisson(mean) draw (inversion for small means, Gamma–binomial splitting for large ones). */
  poisson(mean: number): number {
    if (!(mean >= 0) || !Number.isFinite(mean)) {
      throw new RangeError(`Rng.poisson expects a finite mean >= 0, got ${mean}`);
    }
    let count = 0;
    let lambda = mean;
    // Ahrens & Dieter: peel off large means with a Gamma draw until the rest is small.
    while (lambda > 30) {
      const m = Math.floor(0.875 * lambda);
      const g = this.gamma(m);
      if (g > lambda) return count + this.binomial(m - 1, lambda / g);
      count += m;
      lambda -= g;
    }
    const limit = Math.exp(-lambda);
    let product = this.uniform();
    while (product > limit) {
      count += 1;
      product *= this.uniform();
    }
    return count;
  }

  /** A Binomial(n, p) draw (by counting for small n, by Beta splitting otherwise). */
  binomial(n: number, p: number): number {
    let count = 0;
    let trials = n;
    let prob = p;
    while (trials > 32) {
      const i = 1 + (trials >> 1);
      const a = this.gamma(i);
      const beta = a / (a + this.gamma(trials + 1 - i));
      if (prob < beta) {
        trials = i - 1;
        prob /= beta;
      } else {
        count += i;
        trials -= i;
        prob = (prob - beta) / (1 - beta);
      }
    }
    for (let k = 0; k < trials; k++) if (this.uniform() < prob) count += 1;
    return count;
  }
}

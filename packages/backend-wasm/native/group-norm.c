// Fused group normalisation (+ SiLU) for NHWC float32 tensors, compiled to WebAssembly with SIMD
// by ../scripts/build-native.sh. The arithmetic is that of groupNormForward/groupNormBackward in
// @dale/core (src/fused-group-norm.ts), which documents it; the channel loops are written so that
// clang vectorises them (f32x4), and sums are taken in float32 blocks of BLOCK pixels, then
// accumulated in double.
#include <wasm_simd128.h>

#define MAX_CHANNELS 2048
#define BLOCK 64

static double total_a[MAX_CHANNELS];
static double total_b[MAX_CHANNELS];
static float part_a[MAX_CHANNELS];
static float part_b[MAX_CHANNELS];
static float coef_a[MAX_CHANNELS];
static float coef_b[MAX_CHANNELS];
static float coef_c[MAX_CHANNELS];
static float centre[MAX_CHANNELS];

int max_channels(void) { return MAX_CHANNELS; }

// e^x for |x| ≤ 88 (clamped outside), relative error ~2e-7: x = n ln 2 + r, e^r by a degree-6
// polynomial, 2^n by building the float's exponent bits.
static inline float fast_exp(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int bits = ((int)n + 127) << 23;
  return p * __builtin_bit_cast(float, bits);
}

// Constants of fast_exp4 and sigmoid4. A global the compiler cannot assume constant, loaded into
// locals once per call: as v128.const immediates they would be rebuilt inside every loop
// iteration by the engine (several instructions each).
float exp_constants[13] = {88.0f, -87.0f, 1.44269504088896341f, 0.693359375f, 2.12194440e-4f,
                           1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f,
                           1.6666665459e-1f, 5.0000001201e-1f, 1.0f, 12582912.0f};
// The bits of 1.5·2²³ less the exponent bias 127.
int exp_magic_bits = 0x4B400000 - 127;

typedef struct {
  v128_t hi, lo, log2e, ln2_hi, ln2_lo, p0, p1, p2, p3, p4, p5, one, magic, magic_bits_less_bias;
} exp_consts;

static inline exp_consts load_exp_consts(void) {
  exp_consts k;
  const float *c = exp_constants;
  k.hi = wasm_v128_load32_splat(c + 0);
  k.lo = wasm_v128_load32_splat(c + 1);
  k.log2e = wasm_v128_load32_splat(c + 2);
  k.ln2_hi = wasm_v128_load32_splat(c + 3);
  k.ln2_lo = wasm_v128_load32_splat(c + 4);
  k.p0 = wasm_v128_load32_splat(c + 5);
  k.p1 = wasm_v128_load32_splat(c + 6);
  k.p2 = wasm_v128_load32_splat(c + 7);
  k.p3 = wasm_v128_load32_splat(c + 8);
  k.p4 = wasm_v128_load32_splat(c + 9);
  k.p5 = wasm_v128_load32_splat(c + 10);
  k.one = wasm_v128_load32_splat(c + 11);
  k.magic = wasm_v128_load32_splat(c + 12);
  k.magic_bits_less_bias = wasm_v128_load32_splat(&exp_magic_bits);
  return k;
}

// fast_exp on four lanes at once.
static inline v128_t fast_exp4(v128_t x, const exp_consts *k) {
  x = wasm_f32x4_pmax(wasm_f32x4_pmin(x, k->hi), k->lo);
  // Round x·log2(e) to the nearest integer n by adding 1.5·2²³: n is then both t − magic and the
  // low bits of t's representation, with no float-to-int conversion.
  v128_t t = wasm_f32x4_add(wasm_f32x4_mul(x, k->log2e), k->magic);
  v128_t n = wasm_f32x4_sub(t, k->magic);
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, k->ln2_hi));
  r = wasm_f32x4_add(r, wasm_f32x4_mul(n, k->ln2_lo));
  v128_t p = k->p0;
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), k->p1);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), k->p2);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), k->p3);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), k->p4);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), k->p5);
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r), k->one);
  v128_t bits = wasm_i32x4_shl(wasm_i32x4_sub(t, k->magic_bits_less_bias), 23);
  return wasm_f32x4_mul(p, bits);
}

// sigmoid(z) = 1 / (1 + e^(−z)) on four lanes.
static inline v128_t sigmoid4(v128_t z, const exp_consts *k) {
  return wasm_f32x4_div(k->one, wasm_f32x4_add(k->one, fast_exp4(wasm_f32x4_neg(z), k)));
}

// Sums of x (and of x² when `squares`, or of (x − centre_c)² when `centred`) per channel over
// pixels [0, pixels), into total_a / total_b.
static void channel_sums(const float *x, int pixels, int channels, int centred) {
  for (int c = 0; c < channels; c++) total_a[c] = total_b[c] = 0;
  for (int p0 = 0; p0 < pixels; p0 += BLOCK) {
    int p1 = p0 + BLOCK < pixels ? p0 + BLOCK : pixels;
    for (int c = 0; c < channels; c++) part_a[c] = part_b[c] = 0;
    for (int p = p0; p < p1; p++) {
      const float *row = x + (long)p * channels;
      if (centred) {
        for (int c = 0; c < channels; c++) {
          float d = row[c] - centre[c];
          part_b[c] += d * d;
        }
      } else {
        for (int c = 0; c < channels; c++) part_a[c] += row[c];
      }
    }
    for (int c = 0; c < channels; c++) {
      total_a[c] += part_a[c];
      total_b[c] += part_b[c];
    }
  }
}

// Per-channel affine coefficients a_c = rstd_g γ_c, k_c = β_c − μ_g a_c (into coef_a, coef_b).
static void affine(int b, int channels, int groups, const float *scale, const float *offset,
                   const float *mean, const float *rstd) {
  int per_group = channels / groups;
  for (int c = 0; c < channels; c++) {
    int g = b * groups + c / per_group;
    coef_a[c] = rstd[g] * scale[c];
    coef_b[c] = offset[c] - mean[g] * coef_a[c];
  }
}

void forward(const float *x, const float *scale, const float *offset, float *y, float *mean,
             float *rstd, int batch, int pixels, int channels, int groups, float eps, int silu) {
  exp_consts k = load_exp_consts();
  int per_group = channels / groups;
  double count = (double)pixels * per_group;
  for (int b = 0; b < batch; b++) {
    const float *xb = x + (long)b * pixels * channels;
    float *yb = y + (long)b * pixels * channels;
    channel_sums(xb, pixels, channels, 0);
    for (int g = 0; g < groups; g++) {
      double s = 0;
      for (int c = g * per_group; c < (g + 1) * per_group; c++) s += total_a[c];
      mean[b * groups + g] = (float)(s / count);
      for (int c = g * per_group; c < (g + 1) * per_group; c++) centre[c] = (float)(s / count);
    }
    channel_sums(xb, pixels, channels, 1);
    for (int g = 0; g < groups; g++) {
      double ss = 0;
      for (int c = g * per_group; c < (g + 1) * per_group; c++) ss += total_b[c];
      rstd[b * groups + g] = (float)(1.0 / __builtin_sqrt(ss / count + eps));
    }
    affine(b, channels, groups, scale, offset, mean, rstd);
    for (int p = 0; p < pixels; p++) {
      const float *row = xb + (long)p * channels;
      float *out = yb + (long)p * channels;
      if (silu) {
        int c = 0;
        for (; c + 4 <= channels; c += 4) {
          v128_t z = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(coef_a + c), wasm_v128_load(row + c)),
                                    wasm_v128_load(coef_b + c));
          wasm_v128_store(out + c, wasm_f32x4_mul(z, sigmoid4(z, &k)));
        }
        for (; c < channels; c++) {
          float z = coef_a[c] * row[c] + coef_b[c];
          out[c] = z / (1.0f + fast_exp(-z));
        }
      } else {
        for (int c = 0; c < channels; c++) out[c] = coef_a[c] * row[c] + coef_b[c];
      }
    }
  }
}

void backward(const float *dy, const float *x, const float *scale, const float *offset,
              const float *mean, const float *rstd, float *dx, float *d_scale, float *d_offset,
              int batch, int pixels, int channels, int groups, int silu) {
  exp_consts k = load_exp_consts();
  int per_group = channels / groups;
  double count = (double)pixels * per_group;
  static double grad_scale[MAX_CHANNELS];
  static double grad_offset[MAX_CHANNELS];
  for (int c = 0; c < channels; c++) grad_scale[c] = grad_offset[c] = 0;
  for (int b = 0; b < batch; b++) {
    const float *xb = x + (long)b * pixels * channels;
    const float *dyb = dy + (long)b * pixels * channels;
    float *dxb = dx + (long)b * pixels * channels;
    affine(b, channels, groups, scale, offset, mean, rstd);
    for (int c = 0; c < channels; c++) total_a[c] = total_b[c] = 0;
    // dz (SiLU's derivative applied) into dx; per-channel Σ dz and Σ dz·x.
    for (int p0 = 0; p0 < pixels; p0 += BLOCK) {
      int p1 = p0 + BLOCK < pixels ? p0 + BLOCK : pixels;
      for (int c = 0; c < channels; c++) part_a[c] = part_b[c] = 0;
      for (int p = p0; p < p1; p++) {
        long i = (long)p * channels;
        if (silu) {
          int c = 0;
          for (; c + 4 <= channels; c += 4) {
            v128_t v = wasm_v128_load(xb + i + c);
            v128_t z = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(coef_a + c), v), wasm_v128_load(coef_b + c));
            v128_t s = sigmoid4(z, &k);
            v128_t one = k.one;
            v128_t slope = wasm_f32x4_mul(s, wasm_f32x4_add(one, wasm_f32x4_mul(z, wasm_f32x4_sub(one, s))));
            v128_t dz = wasm_f32x4_mul(wasm_v128_load(dyb + i + c), slope);
            wasm_v128_store(dxb + i + c, dz);
            wasm_v128_store(part_a + c, wasm_f32x4_add(wasm_v128_load(part_a + c), dz));
            wasm_v128_store(part_b + c, wasm_f32x4_add(wasm_v128_load(part_b + c), wasm_f32x4_mul(dz, v)));
          }
          for (; c < channels; c++) {
            float v = xb[i + c];
            float z = coef_a[c] * v + coef_b[c];
            float s = 1.0f / (1.0f + fast_exp(-z));
            float dz = dyb[i + c] * s * (1.0f + z * (1.0f - s));
            dxb[i + c] = dz;
            part_a[c] += dz;
            part_b[c] += dz * v;
          }
        } else {
          for (int c = 0; c < channels; c++) {
            float v = xb[i + c];
            float dz = dyb[i + c];
            dxb[i + c] = dz;
            part_a[c] += dz;
            part_b[c] += dz * v;
          }
        }
      }
      for (int c = 0; c < channels; c++) {
        total_a[c] += part_a[c];
        total_b[c] += part_b[c];
      }
    }
    for (int g = 0; g < groups; g++) {
      double mu = mean[b * groups + g];
      double r = rstd[b * groups + g];
      double m1 = 0, m2 = 0;
      for (int c = g * per_group; c < (g + 1) * per_group; c++) {
        double dz_xhat = r * (total_b[c] - mu * total_a[c]);
        grad_offset[c] += total_a[c];
        grad_scale[c] += dz_xhat;
        m1 += scale[c] * total_a[c];
        m2 += scale[c] * dz_xhat;
      }
      m1 /= count;
      m2 /= count;
      for (int c = g * per_group; c < (g + 1) * per_group; c++) {
        coef_a[c] = (float)(r * scale[c]);
        coef_b[c] = (float)(-r * r * m2);
        coef_c[c] = (float)(-r * m1 + r * r * m2 * mu);
      }
    }
    for (int p = 0; p < pixels; p++) {
      long i = (long)p * channels;
      for (int c = 0; c < channels; c++) {
        dxb[i + c] = coef_a[c] * dxb[i + c] + coef_b[c] * xb[i + c] + coef_c[c];
      }
    }
  }
  for (int c = 0; c < channels; c++) {
    d_scale[c] = (float)grad_scale[c];
    d_offset[c] = (float)grad_offset[c];
  }
}

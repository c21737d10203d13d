// 2-D convolutions (NHWC, float32) and their filter gradient, compiled to WebAssembly SIMD by
// ../scripts/build-native.sh twice: with relaxed SIMD (RELAXED defined: f32x4.relaxed_madd, a
// fused multiply-add where the CPU has one) and without (a multiply and an add). Both use a
// shared memory, so that a second instance of the same module in a worker runs half of each call
// (see src/kernels/conv-native.ts): the caller stores a job in `job`, wakes the worker, runs its
// own half and spins until the worker's half is done.
//
// Every kernel reads a zero-padded input xp [B, HP, WP, CIN] (the caller pads), so the inner loops
// have no bounds checks:
//   forward: y[b, oy, ox, co] = Σ_{kh, kw, ci} xp[b, oy·SH + kh, ox·SW + kw, ci] · w[kh, kw, ci, co]
//   filter:  dw[kh, kw, ci, co] = Σ_{b, oy, ox} xp[b, oy·SH + kh, ox·SW + kw, ci] · dy[b, oy, ox, co]
// The input gradient of a stride-1 convolution is the forward convolution of the padded dy with
// the flipped, transposed filter (the caller prepares both). COUT must be a multiple of 4.
#include <wasm_simd128.h>

#ifdef RELAXED
#define MADD(a, b, c) ((v128_t)__builtin_wasm_relaxed_madd_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(c)))
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul(a, b), c)
#endif

typedef struct {
  int kind; // 1 forward, 2 filter gradient
  const float *x;
  const float *w; // forward: the filter; filter gradient: dy
  float *y;       // forward: the output; filter gradient: dw
  int batch, hp, wp, cin, oh, ow, cout, kh, kw, sh, sw;
} job_t;

job_t job;
// The worker waits on `start` (a job sequence number) and sets `finished` to it when done.
volatile int start_seq = 0;
volatile int finished_seq = 0;
int threads = 1;

int relaxed(void) {
#ifdef RELAXED
  return 1;
#else
  return 0;
#endif
}

// --- forward: a tile of NP output pixels (along a row) × 4·NV output channels. Tiles are at
// most 4 × 8: the engines use 16 SIMD registers on x86-64, and larger tiles spill. ---
#define FORWARD_TILE(NP, NV)                                                                      \
  static void forward_tile_##NP##_##NV(const job_t *j, const float *xrow, float *yrow, int co) {  \
    v128_t acc[NP][NV];                                                                           \
    for (int p = 0; p < NP; p++)                                                                  \
      for (int v = 0; v < NV; v++) acc[p][v] = wasm_f32x4_splat(0.0f);                            \
    const int cin = j->cin, cout = j->cout, rowStride = j->wp * cin, step = j->sw * cin;         \
    for (int kh = 0; kh < j->kh; kh++) {                                                          \
      for (int kw = 0; kw < j->kw; kw++) {                                                        \
        const float *xs = xrow + kh * rowStride + kw * cin;                                       \
        const float *ws = j->w + (kh * j->kw + kw) * cin * cout + co;                             \
        for (int ci = 0; ci < cin; ci++, ws += cout) {                                            \
          v128_t wv[NV];                                                                          \
          for (int v = 0; v < NV; v++) wv[v] = wasm_v128_load(ws + 4 * v);                        \
          for (int p = 0; p < NP; p++) {                                                          \
            v128_t xv = wasm_v128_load32_splat(xs + p * step + ci);                               \
            for (int v = 0; v < NV; v++) acc[p][v] = MADD(xv, wv[v], acc[p][v]);                   \
          }                                                                                       \
        }                                                                                         \
      }                                                                                           \
    }                                                                                             \
    for (int p = 0; p < NP; p++)                                                                  \
      for (int v = 0; v < NV; v++) wasm_v128_store(yrow + p * cout + co + 4 * v, acc[p][v]);      \
  }
FORWARD_TILE(4, 2)
FORWARD_TILE(1, 2)
FORWARD_TILE(4, 1)
FORWARD_TILE(1, 1)

// Output rows (b, oy) with index ≡ part (mod parts).
static void forward_part(const job_t *j, int part, int parts) {
  const int rows = j->batch * j->oh;
  for (int r = part; r < rows; r += parts) {
    const int b = r / j->oh, oy = r - b * j->oh;
    const float *xrow = j->x + ((b * j->hp + oy * j->sh) * j->wp) * j->cin;
    float *yrow = j->y + r * j->ow * j->cout;
    int co = 0;
    for (; co + 8 <= j->cout; co += 8) {
      int ox = 0;
      for (; ox + 4 <= j->ow; ox += 4)
        forward_tile_4_2(j, xrow + ox * j->sw * j->cin, yrow + ox * j->cout, co);
      for (; ox < j->ow; ox++)
        forward_tile_1_2(j, xrow + ox * j->sw * j->cin, yrow + ox * j->cout, co);
    }
    for (; co + 4 <= j->cout; co += 4) {
      int ox = 0;
      for (; ox + 4 <= j->ow; ox += 4)
        forward_tile_4_1(j, xrow + ox * j->sw * j->cin, yrow + ox * j->cout, co);
      for (; ox < j->ow; ox++)
        forward_tile_1_1(j, xrow + ox * j->sw * j->cin, yrow + ox * j->cout, co);
    }
  }
}

// --- filter gradient: a tile of NC input channels × 4·NV output channels of one tap (kh, kw),
// summed over the output pixels [p0, p1) (flattened b, oy, ox) and added to dw ---
#define FILTER_TILE(NC, NV)                                                                       \
  static void filter_tile_##NC##_##NV(const job_t *j, int kh, int kw, int ci, int co, int p0,     \
                                      int p1) {                                                   \
    const int cin = j->cin, cout = j->cout, per = j->oh * j->ow;                                  \
    float *dw = j->y + ((kh * j->kw + kw) * cin + ci) * cout + co;                                \
    v128_t acc[NC][NV];                                                                           \
    for (int c = 0; c < NC; c++)                                                                  \
      for (int v = 0; v < NV; v++) acc[c][v] = wasm_v128_load(dw + c * cout + 4 * v);              \
    int p = p0;                                                                                   \
    while (p < p1) {                                                                              \
      const int b = p / per, rem = p - b * per, oy = rem / j->ow, ox = rem - oy * j->ow;          \
      int end = p + (j->ow - ox);                                                                 \
      if (end > p1) end = p1;                                                                     \
      const float *xs =                                                                           \
          j->x + ((b * j->hp + oy * j->sh + kh) * j->wp + ox * j->sw + kw) * cin + ci;            \
      const float *ds = j->w + p * cout + co;                                                     \
      const int step = j->sw * cin;                                                               \
      for (; p < end; p++, xs += step, ds += cout) {                                              \
        v128_t dv[NV];                                                                            \
        for (int v = 0; v < NV; v++) dv[v] = wasm_v128_load(ds + 4 * v);                          \
        for (int c = 0; c < NC; c++) {                                                            \
          v128_t xv = wasm_v128_load32_splat(xs + c);                                             \
          for (int v = 0; v < NV; v++) acc[c][v] = MADD(xv, dv[v], acc[c][v]);                     \
        }                                                                                         \
      }                                                                                           \
    }                                                                                             \
    for (int c = 0; c < NC; c++)                                                                  \
      for (int v = 0; v < NV; v++) wasm_v128_store(dw + c * cout + 4 * v, acc[c][v]);             \
  }
FILTER_TILE(4, 2)
FILTER_TILE(1, 2)
FILTER_TILE(4, 1)
FILTER_TILE(1, 1)

// Pixels per block: dy's block (BLOCK · COUT floats) and xp's rows stay in cache across the
// tiles of a block.
#define BLOCK 256

// The output channels are split between the parts (each part owns whole columns of dw, so no
// part writes what another does): part `part` of `parts` takes the 4-channel groups ≡ part.
static void filter_part(const job_t *j, int part, int parts) {
  const int pixels = j->batch * j->oh * j->ow;
  const int groups = j->cout / 4;
  const int g0 = groups * part / parts, g1 = groups * (part + 1) / parts;
  for (int p0 = 0; p0 < pixels; p0 += BLOCK) {
    const int p1 = p0 + BLOCK < pixels ? p0 + BLOCK : pixels;
    for (int kh = 0; kh < j->kh; kh++) {
      for (int kw = 0; kw < j->kw; kw++) {
        int ci = 0;
        for (; ci + 4 <= j->cin; ci += 4) {
          int g = g0;
          for (; g + 2 <= g1; g += 2) filter_tile_4_2(j, kh, kw, ci, 4 * g, p0, p1);
          for (; g < g1; g++) filter_tile_4_1(j, kh, kw, ci, 4 * g, p0, p1);
        }
        for (; ci < j->cin; ci++) {
          int g = g0;
          for (; g + 2 <= g1; g += 2) filter_tile_1_2(j, kh, kw, ci, 4 * g, p0, p1);
          for (; g < g1; g++) filter_tile_1_1(j, kh, kw, ci, 4 * g, p0, p1);
        }
      }
    }
  }
}

static void run_part(int part, int parts) {
  if (job.kind == 1) forward_part(&job, part, parts);
  else filter_part(&job, part, parts);
}

// The worker's loop (never returns): wait for a new job, run part 1 of 2, report it done.
void worker(void) {
  int seen = 0;
  for (;;) {
    while (__atomic_load_n(&start_seq, __ATOMIC_ACQUIRE) == seen) {
      __builtin_wasm_memory_atomic_wait32((int *)&start_seq, seen, -1);
    }
    seen = __atomic_load_n(&start_seq, __ATOMIC_ACQUIRE);
    run_part(1, 2);
    __atomic_store_n(&finished_seq, seen, __ATOMIC_RELEASE);
  }
}

// Runs `job` (filled in by the caller): on two threads when a worker runs (`threads` = 2).
static void run(void) {
  if (threads < 2) {
    run_part(0, 1);
    return;
  }
  int seq = __atomic_add_fetch(&start_seq, 1, __ATOMIC_ACQ_REL);
  __builtin_wasm_memory_atomic_notify((int *)&start_seq, 1);
  run_part(0, 2);
  while (__atomic_load_n(&finished_seq, __ATOMIC_ACQUIRE) != seq) {
  }
}

void set_threads(int n) { threads = n; }

void forward(const float *xp, const float *w, float *y, int batch, int hp, int wp, int cin, int oh,
             int ow, int cout, int kh, int kw, int sh, int sw) {
  job = (job_t){1, xp, w, y, batch, hp, wp, cin, oh, ow, cout, kh, kw, sh, sw};
  run();
}

// dw must be zeroed (or hold what to add to).
void filter(const float *xp, const float *dy, float *dw, int batch, int hp, int wp, int cin,
            int oh, int ow, int cout, int kh, int kw, int sh, int sw) {
  job = (job_t){2, xp, dy, dw, batch, hp, wp, cin, oh, ow, cout, kh, kw, sh, sw};
  run();
}

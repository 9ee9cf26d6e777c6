/**
 * Helpers every generated translation unit carries after `#include "kiln_module.h"`: C++
 * versions of the few reference semantics that a bare C operator would get wrong (int32
 * wrap-around, float -> int32 saturation, Philox draws), so generated expressions stay one-liners.
 *
 * Philox4x32-10 here must equal src/random/philox.ts bit for bit: same multipliers, same round
 * order, same key schedule, same (u >> 8) * 2^-24 mapping to [0, 1) computed in double.
 */
export const CPP_PRELUDE = String.raw`
#include <math.h>
#include <string.h>
#include <stdlib.h>
#include <limits.h>

#define KILN_UNLIKELY(x) __builtin_expect(!!(x), 0)

// int32 arithmetic wraps around as in the reference (unsigned arithmetic has no UB).
static inline int32_t kiln_add_i32(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t kiln_sub_i32(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
static inline int32_t kiln_mul_i32(int32_t a, int32_t b) { return (int32_t)((uint32_t)a * (uint32_t)b); }
static inline int32_t kiln_neg_i32(int32_t a) { return (int32_t)(0u - (uint32_t)a); }

// float -> int32 as src/ops/binary/cast.ts: NaN -> 0, saturate beyond the range, else truncate.
static inline int32_t kiln_f2i(float x) {
  if (x != x) return 0;
  if (x >= 2147483647.0f) return INT32_MAX;
  if (x <= -2147483648.0f) return INT32_MIN;
  return (int32_t)x;
}

// max/min propagating NaN (NumPy's maximum, JS Math.max).
static inline float kiln_maxf(float a, float b) { return (a != a || b != b) ? NAN : (a > b ? a : b); }
static inline float kiln_minf(float a, float b) { return (a != a || b != b) ? NAN : (a < b ? a : b); }
static inline int32_t kiln_maxi(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t kiln_mini(int32_t a, int32_t b) { return a < b ? a : b; }

// C's pow is the reference (src/ops/binary/pow.ts cPow).
static inline float kiln_powf(float a, float b) { return (float)pow((double)a, (double)b); }

// ---- Philox4x32-10 (Salmon et al., SC'11), as src/random/philox.ts ----
typedef struct { uint32_t v[4]; } kiln_u32x4;
static inline kiln_u32x4 kiln_philox(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    uint64_t p0 = (uint64_t)0xD2511F53u * c0;
    uint64_t p1 = (uint64_t)0xCD9E8D57u * c2;
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  kiln_u32x4 out = {{c0, c1, c2, c3}};
  return out;
}
static inline double kiln_unit(uint32_t u) { return (double)(u >> 8) * (1.0 / 16777216.0); }
// Element i of uniformStream(n, key, run, stream): word i % 4 of block i / 4.
static inline double kiln_uniform_at(int64_t i, uint32_t run, uint32_t stream, uint32_t k0, uint32_t k1) {
  kiln_u32x4 b = kiln_philox((uint32_t)(i >> 2), run, 0u, stream, k0, k1);
  return kiln_unit(b.v[i & 3]);
}
// Element i of normalStream(...): Box-Muller on block [i, run, attempt, stream]; truncated
// normals retry up to 64 attempts, as the reference.
static inline double kiln_normal_at(int64_t i, uint32_t run, uint32_t stream, uint32_t k0, uint32_t k1, int truncate) {
  for (uint32_t attempt = 0;; ++attempt) {
    kiln_u32x4 b = kiln_philox((uint32_t)i, run, attempt, stream, k0, k1);
    double u1 = 1.0 - kiln_unit(b.v[0]);
    double u2 = kiln_unit(b.v[1]);
    double r = sqrt(-2.0 * log(u1));
    double z0 = r * cos(2.0 * M_PI * u2);
    if (!truncate || fabs(z0) <= 2.0) return z0;
    double z1 = r * sin(2.0 * M_PI * u2);
    if (fabs(z1) <= 2.0) return z1;
    if (attempt >= 63) return z1 > 0 ? 2.0 : (z1 < 0 ? -2.0 : 0.0);
  }
}

// ---- Build flags (codegen/build.ts passes -D...): the generated source is the same with or
// without them, and each macro below is empty when its flag is off, so a switched-off check
// costs nothing. --------------------------------------------------------------------------------

// checkNumerics: after each kernel, every float32 buffer it wrote is tested; the first non-finite
// value fails the run with (kernel position, output index) only: src/session/numerics.ts maps
// the pair back to ops and names (no user string is ever pasted here). Bit test rather than
// isfinite(), so the check survives -ffast-math.
#ifdef KILN_CHECK_NUMERICS
static inline int kiln_all_finite(const float* p, int64_t n) {
  int bad = 0;
#pragma omp parallel for reduction(| : bad) if (n > 262144)
  for (int64_t i = 0; i < n; ++i) {
    uint32_t u;
    memcpy(&u, p + i, sizeof u);
    bad |= (u & 0x7f800000u) == 0x7f800000u;
  }
  return !bad;
}
#define KILN_CHECK_FINITE(p, n, kernel, output)                                                   \
  do {                                                                                            \
    if (KILN_UNLIKELY(!kiln_all_finite((const float*)(p), (n))))                                  \
      return KILN_FAIL(call, KILN_ERR_NUMERIC, "non-finite value: kernel %d output %d", (kernel), (output)); \
  } while (0)
#else
#define KILN_CHECK_FINITE(p, n, kernel, output) ((void)0)
#endif

// profile: one extra float32 output (the manifest's last) of microseconds: one entry per kernel
// (time inside its block), then the whole run. Monotonic clock; checks run outside the timed span.
#ifdef KILN_PROFILE
#include <time.h>
static inline double kiln_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}
#define KILN_PROFILE_OUTPUTS 1
#define KILN_PROF_BEGIN_RUN(slot) \
  float* kiln_prof_ = (float*)call->outputs[(slot)]; \
  const double kiln_prof_run_ = kiln_now_us(); \
  double kiln_prof_t0_ = kiln_prof_run_
#define KILN_PROF_START() (kiln_prof_t0_ = kiln_now_us())
#define KILN_PROF_STOP(k) (kiln_prof_[(k)] = (float)(kiln_now_us() - kiln_prof_t0_))
#define KILN_PROF_END_RUN(k) (kiln_prof_[(k)] = (float)(kiln_now_us() - kiln_prof_run_))
#else
#define KILN_PROFILE_OUTPUTS 0
#define KILN_PROF_BEGIN_RUN(slot) ((void)0)
#define KILN_PROF_START() ((void)0)
#define KILN_PROF_STOP(k) ((void)0)
#define KILN_PROF_END_RUN(k) ((void)0)
#endif

// The first bad index a kernel saw (lowest flat position), for its error message.
typedef struct { int64_t pos; int64_t value; } kiln_bad;
static inline void kiln_note_bad(kiln_bad* b, int64_t pos, int64_t value) {
#pragma omp critical(kiln_bad_index)
  {
    if (b->pos < 0 || pos < b->pos) { b->pos = pos; b->value = value; }
  }
}
// Writes "[i,j,...]" for flat position pos of a static shape.
static inline void kiln_fmt_index(char* buf, size_t cap, int64_t pos, const int64_t* shape, int rank) {
  int64_t idx[KILN_MAX_RANK + 4];
  for (int d = rank - 1; d >= 0; --d) { idx[d] = shape[d] ? pos % shape[d] : 0; pos = shape[d] ? pos / shape[d] : 0; }
  size_t n = 0;
  n += (size_t)snprintf(buf + n, cap - n, "[");
  for (int d = 0; d < rank && n < cap; ++d) n += (size_t)snprintf(buf + n, cap - n, d ? ",%lld" : "%lld", (long long)idx[d]);
  if (n < cap) snprintf(buf + n, cap - n, "]");
}
`;

/*
 * rng.c - the random streams of sim/sim.h ("Random streams").
 *
 * Stream derivation. A stream is named by (run_seed, purpose, object_id).
 * Starting from x = run_seed, three SplitMix64 steps absorb the three parts
 * in turn:
 *     x = splitmix64(run_seed)
 *     x = splitmix64(x ^ fnv1a64(purpose))
 *     x = splitmix64(x ^ object_id)
 * where splitmix64(v) means "state v, one step, take the output". Each step
 * is a bijection of its 64-bit input, so two names that differ in exactly
 * one part always get different x. Four further SplitMix64 outputs from
 * state x fill the xoshiro256** state; consecutive SplitMix64 outputs are
 * distinct (the output is a bijection of a counter), so at most one of the
 * four words is zero and the forbidden all-zero state cannot occur. This is
 * the seeding the xoshiro authors recommend, applied to a mixed key.
 *
 * Everything is integer or IEEE-754 double arithmetic with a single
 * rounding per operation (the build passes -ffp-contract=off so the
 * compiler cannot fuse a multiply-add); there is no call into libm.
 * Internal helpers are declared in sim/rng.h.
 */
#include "sim/rng.h"

#include <assert.h>
#include <float.h>
#include <math.h> /* INFINITY and NAN only: macros, no libm call */
#include <string.h>

#include "sim/sim.h"

/* ---------------------------------------------------------------------- */
/* Building blocks                                                         */
/* ---------------------------------------------------------------------- */

static inline uint64_t rotl64(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

uint64_t sim__fnv1a64(const char *s)
{
  uint64_t h = 0xcbf29ce484222325u; /* FNV-1a 64-bit offset basis */
  if (s == NULL)
    return h;
  for (; *s != '\0'; s++) {
    h ^= (unsigned char)*s;
    h *= 0x100000001b3u; /* FNV 64-bit prime */
  }
  return h;
}

uint64_t sim__splitmix64(uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/* High 64 bits of the 128-bit product a*b, in portable C (no __int128
 * under -pedantic). */
static inline uint64_t mulhi64(uint64_t a, uint64_t b)
{
  uint64_t a_lo = (uint32_t)a, a_hi = a >> 32;
  uint64_t b_lo = (uint32_t)b, b_hi = b >> 32;
  uint64_t lo_lo = a_lo * b_lo;
  uint64_t hi_lo = a_hi * b_lo;
  uint64_t lo_hi = a_lo * b_hi;
  uint64_t hi_hi = a_hi * b_hi;
  uint64_t mid = (lo_lo >> 32) + (uint32_t)hi_lo + lo_hi; /* < 2^64 */
  return hi_hi + (hi_lo >> 32) + (mid >> 32);
}

/* A uint64_t known to lie in [0, INT64_MAX] as an int64_t; the caller
 * guarantees the range, so the conversion is exact and well defined. */
static inline int64_t u64_to_i64(uint64_t x)
{
  assert(x <= (uint64_t)INT64_MAX);
  return (int64_t)x;
}

/* ---------------------------------------------------------------------- */
/* Natural logarithm                                                       */
/* ---------------------------------------------------------------------- */

/*
 * x = 2^e * m with m in [sqrt(2)/2, sqrt(2)), so ln x = e ln 2 + ln m.
 * With s = (m - 1) / (m + 1), |s| <= 0.1716 and
 *     ln m = 2 atanh s = 2 (s + s^3/3 + s^5/5 + ...),
 * whose terms shrink by s^2 <= 0.0295 each: 12 terms leave a truncation
 * error below 1e-19 relative. m - 1 is exact (Sterbenz), the division adds
 * one rounding, and ln 2 is split into a part with trailing zero bits (so
 * e * LN2_HI is exact for |e| < 2^11) and a small correction. The sum of
 * the two halves never cancels badly, because |e ln 2| >= 0.69 whenever
 * e != 0 while |ln m| <= 0.35.
 */
#define LN2_HI 6.93147180369123816490e-01 /* 0x3fe62e42fee00000 */
#define LN2_LO 1.90821492927058770002e-10 /* ln 2 - LN2_HI */
#define SQRT2 1.41421356237309514547

double sim__rng_log(double x)
{
  if (x != x || x < 0.0)
    return NAN;
  if (x == 0.0)
    return -INFINITY;
  if (x > DBL_MAX)
    return x;

  int e = 0;
  if (x < DBL_MIN) { /* subnormal: scale into the normal range first */
    x *= 18014398509481984.0; /* 2^54, exact */
    e = -54;
  }
  uint64_t bits;
  memcpy(&bits, &x, sizeof(bits));
  e += (int)((bits >> 52) & 0x7ff) - 1023;
  /* Replace the exponent field with 1023: m in [1, 2). */
  bits = (bits & 0x000fffffffffffffu) | 0x3ff0000000000000u;
  double m;
  memcpy(&m, &bits, sizeof(m));
  if (m >= SQRT2) {
    m *= 0.5; /* exact */
    e += 1;
  }

  double s = (m - 1.0) / (m + 1.0);
  double z = s * s;
  /* Horner over odd reciprocals 1/3 .. 1/25; the constant term 1 is kept
   * out so that the leading 2s is added last, with full precision. */
  double p = 1.0 / 25.0;
  p = p * z + 1.0 / 23.0;
  p = p * z + 1.0 / 21.0;
  p = p * z + 1.0 / 19.0;
  p = p * z + 1.0 / 17.0;
  p = p * z + 1.0 / 15.0;
  p = p * z + 1.0 / 13.0;
  p = p * z + 1.0 / 11.0;
  p = p * z + 1.0 / 9.0;
  p = p * z + 1.0 / 7.0;
  p = p * z + 1.0 / 5.0;
  p = p * z + 1.0 / 3.0;
  double two_s = 2.0 * s;
  double ln_m_tail = two_s * z * p; /* ln m - 2s */
  double de = (double)e;
  return de * LN2_HI + (two_s + (ln_m_tail + de * LN2_LO));
}

/* ---------------------------------------------------------------------- */
/* API                                                                     */
/* ---------------------------------------------------------------------- */

void sim_rng_seed(struct sim_rng *r, uint64_t run_seed, const char *purpose,
                  uint64_t object_id)
{
  uint64_t x = run_seed;
  x = sim__splitmix64(&x);
  x ^= sim__fnv1a64(purpose);
  x = sim__splitmix64(&x);
  x ^= object_id;
  x = sim__splitmix64(&x);
  for (int i = 0; i < 4; i++)
    r->s[i] = sim__splitmix64(&x);
}

/* xoshiro256** 1.0 (Blackman and Vigna, 2018). */
uint64_t sim_rng_u64(struct sim_rng *r)
{
  uint64_t *s = r->s;
  uint64_t result = rotl64(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl64(s[3], 45);
  return result;
}

/*
 * Lemire's multiply-and-reject: the high word of u * n is uniform on [0, n)
 * once the low words that fall in the short first interval (fewer than
 * 2^64 mod n of them) are rejected. The rejection test only needs the
 * modulus in the rare case where the low word is below n.
 */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
  if (n == 0)
    return 0;
  uint64_t u = sim_rng_u64(r);
  uint64_t lo = u * n;
  if (lo < n) {
    uint64_t reject_below = (0 - n) % n; /* 2^64 mod n */
    while (lo < reject_below) {
      u = sim_rng_u64(r);
      lo = u * n;
    }
  }
  return mulhi64(u, n);
}

double sim_rng_unit(struct sim_rng *r)
{
  return (double)(sim_rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t sim_prob_threshold(double p)
{
  if (!(p > 0.0)) /* also NaN */
    return 0;
  if (p >= 1.0)
    return UINT64_MAX;
  /* p < 1 has at most 53 significant bits, so p * 2^64 is exact and at
   * most 2^64 - 2^11: the conversion cannot overflow, and UINT64_MAX stays
   * reserved for "always". */
  return (uint64_t)(p * 0x1.0p64);
}

/* One draw whatever the threshold, so that a stream's later draws do not
 * depend on whether a probability happened to be 0 or 1. */
bool sim_rng_hit(struct sim_rng *r, uint64_t threshold)
{
  uint64_t u = sim_rng_u64(r);
  return threshold == UINT64_MAX || u < threshold;
}

/*
 * Inversion: -mean * ln(U) with U uniform on (0, 1] in steps of 2^-53, so
 * ln never sees 0 and the largest variate is about 36.7 means. Rounded to
 * the nearest nanosecond (halves up), saturating at INT64_MAX. One draw
 * whatever the mean, as in sim_rng_hit.
 */
int64_t sim_rng_exp_ns(struct sim_rng *r, int64_t mean_ns)
{
  uint64_t u = sim_rng_u64(r);
  if (mean_ns <= 0)
    return 0;
  double unit = (double)((u >> 11) + 1) * 0x1.0p-53;
  double x = (double)mean_ns * -sim__rng_log(unit) + 0.5;
  if (x >= 0x1.0p63)
    return INT64_MAX;
  return (int64_t)x; /* truncation of x + 0.5 rounds to nearest */
}

int64_t sim_dist_sample(struct sim_rng *r, const struct sim_dist *d)
{
  switch (d->kind) {
  case SIM_DIST_CONST:
    return d->a_ns;
  case SIM_DIST_UNIFORM: {
    if (d->b_ns <= d->a_ns)
      return d->a_ns;
    /* Width b - a + 1 in unsigned arithmetic: exact for any a <= b; it
     * wraps to 0 only for the full int64 range, where a raw draw fits. */
    uint64_t width = (uint64_t)d->b_ns - (uint64_t)d->a_ns + 1;
    uint64_t off = width ? sim_rng_below(r, width) : sim_rng_u64(r);
    /* a + off lies in [a, b]; add modulo 2^64 and read the two's
     * complement pattern back without an implementation-defined cast. */
    uint64_t v = (uint64_t)d->a_ns + off;
    return v <= (uint64_t)INT64_MAX ? u64_to_i64(v) : -u64_to_i64(~v) - 1;
  }
  case SIM_DIST_EXP: {
    int64_t v = sim_rng_exp_ns(r, d->a_ns);
    if (d->b_ns > 0 && v > d->b_ns)
      v = d->b_ns;
    return v;
  }
  }
  assert(!"sim_dist_sample: unknown distribution kind");
  return d->a_ns;
}

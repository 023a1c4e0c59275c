/*
 * test_isn.c - the initial sequence number generators (tcp/isn.c,
 * axioms I1-I4 in tcp/tcp_isn.h).
 *
 * Known answers: SipHash-2-4 against the test vectors of its paper and
 * reference implementation; the 4 us clock against its definition (250000
 * ticks a second, 2^32 ticks to a wrap); the BSD generator against the
 * 4.4BSD arithmetic (1 at boot, +64000 per half second and per
 * connection), worked out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp_isn.h"

#define A_ADDR 0x0a000001u /* 10.0.0.1 */
#define B_ADDR 0x0a000002u /* 10.0.0.2 */

struct fixture {
  struct tcp_settings s;
  struct tcp__isn st;
  struct sim_rng rng;
};

static void setup(struct fixture *f, enum tcp_isn_kind kind, bool restarts)
{
  memset(f, 0, sizeof *f);
  tcp_settings_init(&f->s, TCP_PROFILE_RFC793);
  f->s.isn = kind;
  f->s.isn_clock_restarts = restarts;
  sim_rng_seed(&f->rng, 42, "isn", 0);
  tcp__isn_boot(&f->st, &f->s, 0, &f->rng);
}

static uint32_t next(struct fixture *f, int64_t now, uint16_t lport)
{
  return tcp__isn_next(&f->st, &f->s, now, A_ADDR, lport, B_ADDR, 80,
                       &f->rng);
}

/* ---------------------------------------------------------------------- */
/* SipHash-2-4                                                             */
/* ---------------------------------------------------------------------- */

static void test_siphash_paper_vector(void **state)
{
  (void)state;
  /* Aumasson and Bernstein, appendix A: key 00..0f, message 00..0e. */
  const uint64_t key[2] = {UINT64_C(0x0706050403020100),
                           UINT64_C(0x0f0e0d0c0b0a0908)};
  uint8_t msg[15];
  for (int i = 0; i < 15; i++)
    msg[i] = (uint8_t)i;
  assert_int_equal(tcp__siphash24(key, msg, sizeof msg),
                   UINT64_C(0xa129ca6149be45e5));
}

static void test_siphash_reference_vectors(void **state)
{
  (void)state;
  /* The reference implementation's vectors: key 00..0f, message
   * 00..len-1; outputs read as little-endian 64-bit words. Cover the
   * empty message, a partial last word and an exact one. */
  const uint64_t key[2] = {UINT64_C(0x0706050403020100),
                           UINT64_C(0x0f0e0d0c0b0a0908)};
  uint8_t msg[64];
  for (int i = 0; i < 64; i++)
    msg[i] = (uint8_t)i;
  assert_int_equal(tcp__siphash24(key, msg, 0), UINT64_C(0x726fdb47dd0e0e31));
  assert_int_equal(tcp__siphash24(key, msg, 1), UINT64_C(0x74f839c593dc67fd));
  assert_int_equal(tcp__siphash24(key, msg, 8), UINT64_C(0x93f5f5799a932462));
}

static void test_siphash_key_and_message_matter(void **state)
{
  (void)state;
  const uint64_t k1[2] = {1, 2}, k2[2] = {1, 3};
  const uint8_t m1[12] = {10, 0, 0, 1, 10, 0, 0, 2, 0, 80, 4, 0};
  uint8_t m2[12];
  memcpy(m2, m1, sizeof m2);
  m2[11] ^= 1;
  assert_int_not_equal(tcp__siphash24(k1, m1, 12), tcp__siphash24(k2, m1, 12));
  assert_int_not_equal(tcp__siphash24(k1, m1, 12), tcp__siphash24(k1, m2, 12));
  assert_int_equal(tcp__siphash24(k1, m1, 12), tcp__siphash24(k1, m1, 12));
}

/* ---------------------------------------------------------------------- */
/* The 4 us clock                                                          */
/* ---------------------------------------------------------------------- */

static void test_clock_ticks_every_4us(void **state)
{
  (void)state;
  struct fixture f;
  setup(&f, TCP_ISN_CLOCK, false);
  assert_int_equal(next(&f, 0, 1000), 0);
  assert_int_equal(next(&f, 3999, 1000), 0);
  assert_int_equal(next(&f, 4000, 1000), 1);
  assert_int_equal(next(&f, 1 * SIM_S, 1000), 250000);
  assert_int_equal(next(&f, 2 * SIM_S, 1001), 500000);
  assert_int_equal(next(&f, 2 * SIM_S + 7999, 1001), 500001);
  /* the tuple does not matter to the plain clock */
  assert_int_equal(
      tcp__isn_next(&f.st, &f.s, 10 * SIM_S, 1, 2, 3, 4, &f.rng), 2500000);
  /* 2^32 ticks of 4 us: the clock wraps after 4 h 46 min 20 s */
  int64_t wrap = (int64_t)4000 << 32;
  assert_int_equal(next(&f, wrap, 1000), 0);
  assert_int_equal(next(&f, wrap - 4000, 1000), UINT32_MAX);
  assert_int_equal(next(&f, wrap + 1 * SIM_S, 1000), 250000);
}

static void test_clock_runs_on_through_a_boot(void **state)
{
  (void)state;
  struct fixture f;
  setup(&f, TCP_ISN_CLOCK, false);
  tcp__isn_boot(&f.st, &f.s, 100 * SIM_S, &f.rng); /* rebooted at 100 s */
  assert_int_equal(f.st.clock_origin_ns, 0);
  assert_int_equal(next(&f, 101 * SIM_S, 1000), 101 * 250000);
}

static void test_clock_restarts_at_boot(void **state)
{
  (void)state;
  struct fixture f;
  setup(&f, TCP_ISN_CLOCK, true);
  assert_int_equal(next(&f, 1 * SIM_S, 1000), 250000);
  tcp__isn_boot(&f.st, &f.s, 100 * SIM_S, &f.rng);
  assert_int_equal(f.st.clock_origin_ns, 100 * SIM_S);
  assert_int_equal(next(&f, 100 * SIM_S, 1000), 0);
  assert_int_equal(next(&f, 101 * SIM_S, 1000), 250000);
  /* the new incarnation repeats the old one's numbers: what quiet time
   * is for */
  assert_int_equal(tcp__isn_clock(&f.st, 101 * SIM_S), 250000);
}

/* ---------------------------------------------------------------------- */
/* RFC 6528                                                                */
/* ---------------------------------------------------------------------- */

static void test_rfc6528_differs_per_tuple(void **state)
{
  (void)state;
  struct fixture f;
  setup(&f, TCP_ISN_RFC6528, false);
  uint32_t a = next(&f, SIM_S, 1000);
  uint32_t b = next(&f, SIM_S, 1001);
  uint32_t c = tcp__isn_next(&f.st, &f.s, SIM_S, B_ADDR, 80, A_ADDR, 1000,
                             &f.rng); /* the same pair seen from the far end */
  uint32_t d = tcp__isn_next(&f.st, &f.s, SIM_S, A_ADDR, 1000, B_ADDR, 81,
                             &f.rng);
  assert_int_not_equal(a, b);
  assert_int_not_equal(a, c);
  assert_int_not_equal(a, d);
  assert_int_not_equal(b, d);
  /* the offset is not just the clock */
  assert_int_not_equal(a, tcp__isn_clock(&f.st, SIM_S));
}

static void test_rfc6528_follows_the_clock(void **state)
{
  (void)state;
  struct fixture f;
  setup(&f, TCP_ISN_RFC6528, false);
  /* one tuple: successive incarnations move at the clock's pace */
  uint32_t prev = next(&f, 0, 1000);
  for (int64_t t = 1; t <= 20; t++) {
    uint32_t cur = next(&f, t * 500 * SIM_MS, 1000);
    assert_int_equal((uint32_t)(cur - prev), 125000);
    assert_true(tcp_seq_gt(cur, prev));
    prev = cur;
  }
  /* drawing for other tuples changes nothing for this one */
  uint32_t x = next(&f, 20 * SIM_S, 1000);
  (void)next(&f, 20 * SIM_S, 2000);
  assert_int_equal(next(&f, 20 * SIM_S, 1000), x);
}

static void test_rfc6528_new_key_at_boot(void **state)
{
  (void)state;
  struct fixture f;
  setup(&f, TCP_ISN_RFC6528, false);
  uint32_t before = next(&f, 50 * SIM_S, 1000) - tcp__isn_clock(&f.st, 50 * SIM_S);
  uint64_t k0 = f.st.key[0], k1 = f.st.key[1];
  tcp__isn_boot(&f.st, &f.s, 60 * SIM_S, &f.rng);
  assert_false(f.st.key[0] == k0 && f.st.key[1] == k1);
  uint32_t after = next(&f, 70 * SIM_S, 1000) - tcp__isn_clock(&f.st, 70 * SIM_S);
  assert_int_not_equal(before, after);
  /* the same seed and boots give the same numbers (I1) */
  struct fixture g;
  setup(&g, TCP_ISN_RFC6528, false);
  tcp__isn_boot(&g.st, &g.s, 60 * SIM_S, &g.rng);
  assert_int_equal(next(&g, 70 * SIM_S, 1000), next(&f, 70 * SIM_S, 1000));
}

/* ---------------------------------------------------------------------- */
/* Random, BSD, constant                                                   */
/* ---------------------------------------------------------------------- */

static void test_random_differs(void **state)
{
  (void)state;
  struct fixture f;
  setup(&f, TCP_ISN_RANDOM, false);
  uint32_t seen[64];
  for (int i = 0; i < 64; i++) {
    seen[i] = next(&f, SIM_S, 1000); /* same time, same tuple */
    for (int j = 0; j < i; j++)
      assert_int_not_equal(seen[i], seen[j]);
  }
  /* reproducible from the stream */
  struct fixture g;
  setup(&g, TCP_ISN_RANDOM, false);
  assert_int_equal(next(&g, 0, 1), seen[0]);
}

static void test_bsd_increments(void **state)
{
  (void)state;
  struct fixture f;
  setup(&f, TCP_ISN_BSD, true);
  /* tcp_iss is 1 at boot; each connection takes it and adds 64000 */
  assert_int_equal(next(&f, 0, 1024), 1);
  assert_int_equal(next(&f, 0, 1025), 64001);
  assert_int_equal(next(&f, 499 * SIM_MS, 1026), 128001);
  /* each 500 ms slow timeout adds 64000 */
  assert_int_equal(next(&f, 500 * SIM_MS, 1027), 1 + 64000 + 3 * 64000);
  assert_int_equal(next(&f, 10 * SIM_S, 1028), 1 + 20 * 64000 + 4 * 64000);
  /* ten hours up: 72000 ticks, past 2^32, so it wraps */
  uint32_t want = (uint32_t)(1u + 72000u * 64000u + 5u * 64000u);
  assert_true(72000.0 * 64000.0 > 4294967296.0);
  assert_int_equal(next(&f, 36000 * SIM_S, 1029), want);
  /* a reboot starts again from 1 */
  tcp__isn_boot(&f.st, &f.s, 40000 * SIM_S, &f.rng);
  assert_int_equal(next(&f, 40000 * SIM_S, 1024), 1);
  assert_int_equal(next(&f, 40001 * SIM_S, 1024), 1 + 2 * 64000 + 64000);
}

static void test_constant(void **state)
{
  (void)state;
  struct fixture f;
  setup(&f, TCP_ISN_CONSTANT, false);
  assert_int_equal(next(&f, 0, 1), 0);
  assert_int_equal(next(&f, 5 * SIM_S, 2), 0);
  f.s.isn_constant = 0xdeadbeef;
  assert_int_equal(next(&f, 9 * SIM_S, 3), 0xdeadbeef);
  tcp__isn_boot(&f.st, &f.s, 10 * SIM_S, &f.rng);
  assert_int_equal(next(&f, 10 * SIM_S, 3), 0xdeadbeef);
}

/* Only the random generator draws per connection: the others leave the
 * stream where the boot left it. */
static void test_draws_only_when_random(void **state)
{
  (void)state;
  static const enum tcp_isn_kind kinds[] = {TCP_ISN_CLOCK, TCP_ISN_RFC6528,
                                            TCP_ISN_BSD, TCP_ISN_CONSTANT};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    struct fixture f;
    setup(&f, kinds[i], false);
    struct sim_rng before = f.rng;
    for (int k = 0; k < 10; k++)
      (void)next(&f, k * SIM_S, (uint16_t)(1000 + k));
    assert_memory_equal(&before, &f.rng, sizeof before);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_siphash_paper_vector),
      cmocka_unit_test(test_siphash_reference_vectors),
      cmocka_unit_test(test_siphash_key_and_message_matter),
      cmocka_unit_test(test_clock_ticks_every_4us),
      cmocka_unit_test(test_clock_runs_on_through_a_boot),
      cmocka_unit_test(test_clock_restarts_at_boot),
      cmocka_unit_test(test_rfc6528_differs_per_tuple),
      cmocka_unit_test(test_rfc6528_follows_the_clock),
      cmocka_unit_test(test_rfc6528_new_key_at_boot),
      cmocka_unit_test(test_random_differs),
      cmocka_unit_test(test_bsd_increments),
      cmocka_unit_test(test_constant),
      cmocka_unit_test(test_draws_only_when_random),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_realtime.c - the emulation loop without a device: simulated time
 * follows the wall clock, lateness is counted, and the IPv4 checks refuse
 * every malformed header. (The TUN bridge against Linux is
 * tests/cli/test_emu.c.)
 */
#include <string.h>
#include <time.h>

#include "emu/emu.h"
#include "tests/support/support.h"

static int64_t mono_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * SIM_S + ts.tv_nsec;
}

struct stamp {
  int64_t origin;
  int64_t wall[4];
  int n;
};

static void stamp_fire(struct sim_world *w, void *arg)
{
  struct stamp *s = arg;
  (void)w;
  s->wall[s->n++] = mono_ns() - s->origin;
}

/* Events at 100, 200 and 300 ms of simulated time run no earlier than
 * their wall-clock instant, and the run to 400 ms takes 400 ms of wall
 * clock (upper bounds generous: a loaded machine wakes late). */
static void test_events_follow_the_wall_clock(void **state)
{
  (void)state;
  struct sim_world *w = sim_world_new(1);
  struct emu_loop *l = emu_loop_new(w);
  assert_non_null(l);
  struct stamp s = {0};
  for (int i = 1; i <= 3; i++)
    assert_int_equal(sim_call_at(w, i * 100 * SIM_MS, stamp_fire, &s), SIM_OK);
  s.origin = mono_ns();
  assert_int_equal(emu_loop_run(l, 400 * SIM_MS), SIM_OK);
  int64_t took = mono_ns() - s.origin;
  assert_int_equal(s.n, 3);
  for (int i = 0; i < 3; i++) {
    assert_true(s.wall[i] >= (i + 1) * 100 * SIM_MS - SIM_MS);
    assert_true(s.wall[i] < (i + 1) * 100 * SIM_MS + 2 * SIM_S);
  }
  assert_int_equal(sim_now(w), 400 * SIM_MS);
  assert_true(took >= 399 * SIM_MS);
  assert_true(took < 5 * SIM_S);
  struct emu_stats st;
  emu_loop_stats(l, &st);
  assert_true(st.wakeups >= 4);
  emu_loop_free(l);
  sim_world_free(w);
}

static void busy_fire(struct sim_world *w, void *arg)
{
  (void)w, (void)arg;
  int64_t t0 = mono_ns();
  while (mono_ns() - t0 < 60 * SIM_MS)
    ;
}

/* An event that takes 60 ms of wall clock makes the next one, due 1 ms
 * later, run about 59 ms late: behind real time with a 20 ms limit. */
static void test_falling_behind_is_reported(void **state)
{
  (void)state;
  struct sim_world *w = sim_world_new(1);
  struct emu_loop *l = emu_loop_new(w);
  assert_non_null(l);
  emu_loop_set_late_ns(l, 20 * SIM_MS);
  struct stamp s = {0};
  assert_int_equal(sim_call_at(w, 10 * SIM_MS, busy_fire, NULL), SIM_OK);
  assert_int_equal(sim_call_at(w, 11 * SIM_MS, stamp_fire, &s), SIM_OK);
  s.origin = mono_ns();
  assert_int_equal(emu_loop_run(l, 100 * SIM_MS), SIM_OK);
  struct emu_stats st;
  emu_loop_stats(l, &st);
  assert_true(st.behind >= 1);
  assert_true(st.worst_lag_ns >= 40 * SIM_MS);
  assert_int_equal(st.late_ns, 20 * SIM_MS);
  char buf[512] = "";
  FILE *f = fmemopen(buf, sizeof buf - 1, "w");
  assert_non_null(f);
  emu_print_report(l, f);
  fclose(f);
  assert_non_null(strstr(buf, "fell behind real time"));
  emu_loop_free(l);
  sim_world_free(w);
}

/* sim_stop from an event ends the run early. */
static void stop_fire(struct sim_world *w, void *arg)
{
  (void)arg;
  sim_stop(w);
}

static void test_stop_ends_the_run(void **state)
{
  (void)state;
  struct sim_world *w = sim_world_new(1);
  struct emu_loop *l = emu_loop_new(w);
  assert_int_equal(sim_call_at(w, 50 * SIM_MS, stop_fire, NULL), SIM_OK);
  int64_t t0 = mono_ns();
  assert_int_equal(emu_loop_run(l, 10 * SIM_S), SIM_ESTOPPED);
  assert_true(mono_ns() - t0 < 5 * SIM_S);
  emu_loop_free(l);
  sim_world_free(w);
}

/* ====================================================================== */
/* IPv4 checks                                                             */
/* ====================================================================== */

/* A header of ihl bytes (options zero-filled = EOL) and total bytes,
 * checksummed, TCP, 10.0.0.2 -> 10.0.0.1. */
static size_t make_ipv4(uint8_t *b, size_t ihl, size_t total)
{
  memset(b, 0, total);
  b[0] = (uint8_t)(0x40 | ihl / 4);
  b[2] = (uint8_t)(total >> 8);
  b[3] = (uint8_t)total;
  b[6] = 0x40; /* DF */
  b[8] = 64;
  b[9] = 6;
  b[12] = 10, b[15] = 2;
  b[16] = 10, b[19] = 1;
  return total;
}

static void fix_csum(uint8_t *b)
{
  size_t ihl = (size_t)(b[0] & 0xf) * 4;
  b[10] = b[11] = 0;
  uint16_t c = (uint16_t)~sim_csum_fold(sim_csum_add(0, b, ihl));
  b[10] = (uint8_t)(c >> 8);
  b[11] = (uint8_t)c;
}

static void test_ipv4_check_refuses_malformed_headers(void **state)
{
  (void)state;
  uint8_t b[128];
  size_t n = make_ipv4(b, 20, 40);
  fix_csum(b);
  assert_int_equal(emu_ipv4_check(b, n), SIM_OK);
  /* lengths */
  assert_int_equal(emu_ipv4_check(b, 19), SIM_EMALFORMED);
  assert_int_equal(emu_ipv4_check(b, n - 1), SIM_EMALFORMED);
  assert_int_equal(emu_ipv4_check(b, n + 1), SIM_EMALFORMED);
  b[0] = 0x44; /* ihl 16 */
  fix_csum(b);
  assert_int_equal(emu_ipv4_check(b, n), SIM_EMALFORMED);
  b[0] = 0x4f; /* ihl 60 > total 40 */
  assert_int_equal(emu_ipv4_check(b, n), SIM_EMALFORMED);
  /* checksum */
  make_ipv4(b, 20, 40);
  fix_csum(b);
  b[11] ^= 1;
  assert_int_equal(emu_ipv4_check(b, n), SIM_EMALFORMED);
  /* not IPv4: not the sender's fault */
  b[0] = 0x60;
  assert_int_equal(emu_ipv4_check(b, n), SIM_ENOPROTO);
  /* fragments */
  make_ipv4(b, 20, 40);
  b[6] = 0x20; /* MF */
  fix_csum(b);
  assert_int_equal(emu_ipv4_check(b, n), SIM_EMALFORMED);
  make_ipv4(b, 20, 40);
  b[7] = 1; /* offset */
  fix_csum(b);
  assert_int_equal(emu_ipv4_check(b, n), SIM_EMALFORMED);
  /* addresses */
  make_ipv4(b, 20, 40);
  b[12] = b[15] = 0;
  fix_csum(b);
  assert_int_equal(emu_ipv4_check(b, n), SIM_EMALFORMED);
  /* options: NOP, record route (7, len 7, ptr 4, one slot), EOL */
  n = make_ipv4(b, 28, 48);
  b[20] = 1, b[21] = 7, b[22] = 7, b[23] = 4;
  fix_csum(b);
  assert_int_equal(emu_ipv4_check(b, n), SIM_OK);
  b[22] = 1; /* length below 2 */
  fix_csum(b);
  assert_int_equal(emu_ipv4_check(b, n), SIM_EMALFORMED);
  b[22] = 8; /* runs past the header */
  fix_csum(b);
  assert_int_equal(emu_ipv4_check(b, n), SIM_EMALFORMED);
  b[20] = 1, b[21] = 1, b[22] = 1, b[23] = 1, b[24] = 1, b[25] = 1, b[26] = 1;
  b[27] = 68; /* timestamp option with no room for its length */
  fix_csum(b);
  assert_int_equal(emu_ipv4_check(b, n), SIM_EMALFORMED);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_events_follow_the_wall_clock),
    cmocka_unit_test(test_falling_behind_is_reported),
    cmocka_unit_test(test_stop_ends_the_run),
    cmocka_unit_test(test_ipv4_check_refuses_malformed_headers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_exp_close_leaks.c - seed experiment 6 (experiments/README.md,
 * "6. FIN_WAIT_2 and CLOSE_WAIT leaks") at its reduced size, through the
 * tcpsim binary: experiments/close_leaks.ini for 120 s with connects for
 * the first 60 s, without the FIN_WAIT_2 timer and with a 20 s one; then
 * `tcpsim check results/queries/close_leaks.check.sql` must pass, and the
 * key numbers are asserted here too. A server that does close must fail
 * the checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/support.h"

static char g_db[512];

#define INI "experiments/close_leaks.ini"
#define CHECKS "results/queries/close_leaks.check.sql"

/* The reduced size stated in experiments/README.md, plus one more --set
 * override (or NULL). */
static int run_reduced(const char *db, const char *extra)
{
  return tsup_tcpsim("sweep", INI, "--jobs", "2", "--db", db, "--set",
                     "run.duration=120s", "--set", "run.sample=2s", "--set",
                     "workload.client.stop=60s", "--set",
                     "sweep.replications=1", "--set",
                     "sweep.tcp.fin_wait2=0,20s", extra ? "--set" : NULL,
                     extra, NULL);
}

static int setup(void **state)
{
  (void)state;
  tsup_tmp_path(g_db, sizeof g_db, "tcpsim-exp-cl", ".db");
  tsup_remove_db(g_db);
  return run_reduced(g_db, NULL);
}

static int teardown(void **state)
{
  (void)state;
  tsup_remove_db(g_db);
  return 0;
}

static void test_expectations_pass(void **state)
{
  (void)state;
  char *out = tsup_check_ok(CHECKS, g_db);
  assert_null(strstr(out, "FAIL"));
  assert_int_equal(tsup_count(out, "ok   "), 8);
  free(out);
}

/* A state's sample at time t (s) in the run with fin_wait2 = value. */
static int64_t sample(const char *value, const char *state, int t)
{
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT v.count FROM v_states_over_time v JOIN params p"
           " ON p.run_id = v.run_id AND p.key = 'tcp.fin_wait2'"
           " AND p.value = '%s' WHERE v.state = '%s'"
           " AND v.t_ns = %d000000000",
           value, state, t);
  return tsup_sql_int(g_db, sql);
}

static void test_key_numbers(void **state)
{
  (void)state;
  assert_int_equal(tsup_sql_int(g_db, "SELECT count(*) FROM runs"
                                      " WHERE status = 'done'"),
                   2);
  /* 5/s for 60 s: about 300 connects, the same in both runs (same seed) */
  int64_t n = tsup_sql_int(g_db, "SELECT count(*) FROM connections"
                                 " WHERE run_id = 1 AND kind = 'passive'");
  assert_true(n >= 240 && n <= 360);
  assert_int_equal(tsup_sql_int(g_db, "SELECT count(*) FROM connections"
                                      " WHERE run_id = 2 AND kind = 'passive'"),
                   n);
  /* the server leaks all of them, timer or not */
  assert_int_equal(sample("0", "CLOSE_WAIT", 120), n);
  assert_int_equal(sample("20s", "CLOSE_WAIT", 120), n);
  /* the client too without the timer; with it, none is left */
  assert_int_equal(sample("0", "FIN_WAIT_2", 120), n);
  assert_int_equal(sample("20s", "FIN_WAIT_2", 120), 0);
  /* with the timer FIN_WAIT_2 levels off near 5/s x 20 s = 100 while
   * CLOSE_WAIT keeps growing */
  int64_t fw40 = sample("20s", "FIN_WAIT_2", 40);
  int64_t cw40 = sample("20s", "CLOSE_WAIT", 40);
  assert_true(fw40 >= 60 && fw40 <= 140);
  assert_true(cw40 > fw40 + 100);
  assert_int_equal(sample("0", "FIN_WAIT_2", 40), cw40);
}

static void test_closing_server_fails(void **state)
{
  (void)state;
  char db[600];
  snprintf(db, sizeof db, "%s-closing.db", g_db);
  tsup_remove_db(db);
  assert_int_equal(run_reduced(db, "workload.server.close=wait"), 0);
  char *out;
  int rc = tsup_run_tcpsim(&out, "check", CHECKS, "--db", db, NULL);
  tsup_remove_db(db);
  if (rc != 1)
    fail_msg("expected the checks to fail:\n%s", out);
  assert_non_null(strstr(out, "FAIL " CHECKS ":18 the server leaks"));
  free(out);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expectations_pass),
      cmocka_unit_test(test_key_numbers),
      cmocka_unit_test(test_closing_server_fails),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}

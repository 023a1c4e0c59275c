/*
 * test_exp_quiet_time.c - seed experiment 1, quiet time
 * (experiments/README.md, "Seed experiments"), through the tcpsim binary:
 * experiments/quiet_time.ini at the reduced size of the write-up (one
 * replication, reboot delay 2 s, 50 s runs: quiet time on/off x the four
 * ISN generators, 8 runs) swept with two workers into one database; then
 * the expectations (results/queries/quiet_time.check.sql) must pass, and
 * a few numbers are checked directly, and its plot renders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/support.h"

static char g_dir[256];
static char g_db[512];

static int setup(void **state)
{
  (void)state;
  if (tsup_tmp_dir(g_dir, sizeof g_dir, "tcpsim-exp-quiet") != 0)
    return -1;
  snprintf(g_db, sizeof g_db, "%s/quiet.db", g_dir);
  return tsup_tcpsim("sweep", "experiments/quiet_time.ini", "--jobs", "2",
                     "--db", g_db, "--set", "sweep.replications=1", "--set",
                     "sweep.fault.reboot.delay=2s", "--set",
                     "run.duration=50s", NULL);
}

static int teardown(void **state)
{
  (void)state;
  tsup_remove_db(g_db);
  rmdir(g_dir);
  return 0;
}

static void test_expectations_pass(void **state)
{
  (void)state;
  char *out = tsup_check_ok("results/queries/quiet_time.check.sql", g_db);
  assert_null(strstr(out, "FAIL"));
  free(out);
  /* The quiet-time-on runs alone (1-4) lack the runs without it: the
   * checks that need them fail. */
  out = tsup_check_fails("results/queries/quiet_time.check.sql", g_db, "1-4");
  assert_non_null(strstr(out, "FAIL"));
  free(out);
}

/* Old segments accepted in run `run` (metric segs.stale_old_boot). */
static long stale(long run)
{
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT CAST(value AS INTEGER) FROM metrics WHERE run_id = %ld"
           " AND name = 'segs.stale_old_boot'",
           run);
  return (long)tsup_sql_int(g_db, sql);
}

/* Mean set-up time, ms, of the connections opened after the crash. */
static long setup_ms(long run)
{
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT CAST(avg(established_ns - opened_ns) / 1000000 AS INTEGER)"
           " FROM connections WHERE run_id = %ld AND kind = 'active'"
           " AND opened_ns >= 10000000000",
           run);
  return (long)tsup_sql_int(g_db, sql);
}

static void test_key_numbers(void **state)
{
  (void)state;
  /* runs 1-4: quiet time on (clock, rfc6528, random, constant); 5-8 off */
  for (long r = 1; r <= 4; r++)
    assert_int_equal(stale(r), 0);
  assert_true(stale(5) > 1000); /* clock restarting at boot */
  assert_int_equal(stale(6), 0); /* rfc6528 */
  assert_int_equal(stale(7), 0); /* random */
  assert_true(stale(8) > 1000); /* constant */
  /* every stale segment has its event, from the server's first boot */
  assert_int_equal(tsup_sql_int(g_db, "SELECT count(*) FROM app_events"
                                      " WHERE run_id = 5 AND what ="
                                      " 'stale_accepted' AND detail LIKE"
                                      " '% boot 0: older boot'"),
                   stale(5));
  /* set-up from the connect at 10.5 s: without quiet time the SYN sent
   * 2 s later, just after the boot at 12 s, gets through (2044 ms with
   * the 44 ms round trip, and 4 ms more: the SYN-ACK queues behind old
   * segments of 1448 bytes, 1.2 ms each, released from the hold towards
   * the clients); with it, the first SYN after the boot + 30 s,
   * at 45.5 s (35044 ms, the old segments all delivered by then) */
  assert_int_equal(setup_ms(5), 2048);
  assert_int_equal(setup_ms(1), 35044);
  assert_int_equal(tsup_sql_int(g_db, "SELECT count(*) FROM connections"
                                      " WHERE kind = 'active' AND opened_ns"
                                      " >= 10000000000 AND established_ns IS"
                                      " NOT NULL"),
                   32);
}

/* The plot of the write-up renders from this database: gnuplot exits 0
 * and writes a PNG (its signature checked). */
static void test_plot_renders(void **state)
{
  (void)state;
  tsup_plot_ok("results/plots/quiet_time.gp", g_db, g_dir, "plot.png");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expectations_pass),
      cmocka_unit_test(test_key_numbers),
      cmocka_unit_test(test_plot_renders),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}

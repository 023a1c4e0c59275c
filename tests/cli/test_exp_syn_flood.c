/*
 * test_exp_syn_flood.c - the SYN-flood experiments at CI size, through
 * the tcpsim binary: experiments/syn_flood_erlang.ini with a SYN queue of
 * 16 and one SYN-ACK retry (entries held 3 s), six attack rates for
 * offered loads 0.5c to 5c, 1000 s of legitimate connections per point;
 * results/queries/syn_flood_erlang.check.sql must pass (every point
 * within the 99% interval of Erlang B, all but one within the 95% one),
 * and fail on a subset of the runs (so it can fail); and
 * experiments/syn_flood.ini at two attack rates (1 and 100 SYN/s per
 * attacker) with a SYN queue of 128 and the four defences, checked by
 * results/queries/syn_flood.check.sql and plotted by
 * results/plots/syn_flood.gp.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/support.h"

static char g_db[512];

static void test_erlang_b(void **state)
{
  (void)state;
  tsup_tmp_path(g_db, sizeof g_db, "tcpsim-exp-erlang", ".db");
  tsup_remove_db(g_db);
  char *out;
  int rc = tsup_run_tcpsim(
      &out, "sweep", "experiments/syn_flood_erlang.ini", "--jobs", "2",
      "--db", g_db, "--set", "tcp.server.syn_backlog=16", "--set",
      "tcp.server.synack_retries=1", "--set", "workload.users.start=6s",
      "--set", "workload.users.stop=1006s", "--set", "run.duration=1010s",
      "--set",
      "sweep.workload.attack.rate=0.2667/s,0.5333/s,0.8/s,1.0667/s,1.6/s,"
      "2.6667/s",
      NULL);
  if (rc != 0)
    fail_msg("sweep:\n%s", out);
  free(out);
  out = tsup_check_ok("results/queries/syn_flood_erlang.check.sql", g_db);
  assert_null(strstr(out, "FAIL"));
  free(out);
  /* the lightest load alone does not cover 0.5c to 5c: the check fails */
  out = tsup_check_fails("results/queries/syn_flood_erlang.check.sql", g_db,
                         "1-1");
  assert_non_null(strstr(out, "FAIL"));
  free(out);
  /* the queue really was the bottleneck: legitimate SYNs dropped only at
   * the heavier loads, and about 1000 s x 10/s connections per point */
  assert_true(tsup_sql_int(g_db, "SELECT count(*) FROM connections WHERE "
                                 "run_id = 1 AND kind = 'active'") > 9500);
  assert_true(tsup_sql_int(g_db, "SELECT value FROM metrics WHERE run_id = 6"
                                 " AND name = 'tcp.syn_queue_drops'") >
              tsup_sql_int(g_db, "SELECT value FROM metrics WHERE run_id = 1"
                                 " AND name = 'tcp.syn_queue_drops'") * 10);
  tsup_remove_db(g_db);
}

static void test_defences(void **state)
{
  (void)state;
  char db[512], png[512], pngx[520];
  tsup_tmp_path(db, sizeof db, "tcpsim-exp-flood", ".db");
  tsup_tmp_path(png, sizeof png, "tcpsim-exp-flood", ".png");
  snprintf(pngx, sizeof pngx, "%s.x", png);
  tsup_remove_db(db);
  char *out;
  int rc = tsup_run_tcpsim(&out, "sweep", "experiments/syn_flood.ini",
                           "--jobs", "2", "--db", db, "--set",
                           "sweep.workload.attack.rate=1/s,100/s", "--set",
                           "sweep.tcp.server.syn_backlog=128", NULL);
  if (rc != 0)
    fail_msg("sweep:\n%s", out);
  free(out);
  free(tsup_check_ok("results/queries/syn_flood.check.sql", db));
  /* 2 rates x 4 defences; at 100/s with no defence almost nobody gets
   * in, with cookies everybody, and the cookies were really used */
  assert_int_equal(tsup_sql_int(db, "SELECT count(*) FROM runs WHERE "
                                    "status = 'done'"), 8);
  assert_true(tsup_sql_int(db, "SELECT count(*) FROM connections WHERE "
                               "run_id = 5 AND kind = 'active' AND "
                               "established_ns IS NOT NULL AND opened_ns "
                               "BETWEEN 10e9 AND 40e9") < 20);
  assert_true(tsup_sql_int(db, "SELECT value FROM metrics WHERE run_id = 6 "
                               "AND name = 'tcp.syncookies_validated'") > 1000);
  rc = tsup_plot(&out, "results/plots/syn_flood.gp", db, png, NULL);
  if (rc != 0)
    fail_msg("gnuplot:\n%s", out);
  free(out);
  tsup_assert_png(png);
  /* a backlog the sweep did not run: a clear error, no picture */
  assert_int_not_equal(tsup_plot(&out, "results/plots/syn_flood.gp", db, pngx,
                                 "; backlog=999"),
                       0);
  assert_non_null(strstr(out, "no matching runs"));
  free(out);
  unlink(png);
  tsup_remove_db(db);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_erlang_b),
      cmocka_unit_test(test_defences),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_exp_port_exhaustion.c - seed experiment 3(b), ephemeral port
 * exhaustion by TIME_WAIT (experiments/README.md, "Seed experiments"),
 * through the tcpsim binary: experiments/port_exhaustion.ini at the
 * reduced size of the write-up (150 s, rates 1/s and 3/s against 100
 * ports and a 60 s TIME_WAIT), and its remedies (msl 5 s, the server
 * closing first with and without tw_reuse_syn, one persistent
 * connection), each swept with two workers into one database; then the
 * expectations (results/queries/port_exhaustion.check.sql) must pass, a
 * few numbers are checked directly, and the plot of the write-up renders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/support.h"

static char g_dir[256];
static char g_db[512];

#define EXP "experiments/port_exhaustion.ini"

static int sweep(const char *a1, const char *a2, const char *a3,
                 const char *a4, const char *a5, const char *a6)
{
  return tsup_tcpsim("sweep", EXP, "--jobs", "2", "--db", g_db, "--set",
                     "run.duration=150s", a1, a2, a3, a4, a5, a6, NULL);
}

static int setup(void **state)
{
  (void)state;
  if (tsup_tmp_dir(g_dir, sizeof g_dir, "tcpsim-exp-ports") != 0)
    return -1;
  snprintf(g_db, sizeof g_db, "%s/ports.db", g_dir);
  /* runs 1, 2: the baseline at 1/s and 3/s (critical rate 100/60 s) */
  int rc = sweep("--set", "sweep.workload.client.rate=1/s,3/s", NULL, NULL,
                 NULL, NULL);
  /* run 3: shorter MSL */
  if (rc == 0)
    rc = sweep("--set", "sweep.workload.client.rate=3/s", "--set",
               "tcp.msl=5s", NULL, NULL);
  /* run 4: the server closes first; run 5: the same, tw_reuse_syn off */
  if (rc == 0)
    rc = sweep("--set", "sweep.workload.client.rate=3/s", "--set",
               "workload.client.close=server_first", "--set",
               "workload.server.close=first");
  if (rc == 0)
    rc = tsup_tcpsim("sweep", EXP, "--jobs", "2", "--db", g_db, "--set",
                     "run.duration=150s", "--set",
                     "sweep.workload.client.rate=3/s", "--set",
                     "workload.client.close=server_first", "--set",
                     "workload.server.close=first", "--set",
                     "tcp.tw_reuse_syn=off", NULL);
  /* run 6: one persistent connection */
  if (rc == 0)
    rc = sweep("--set", "sweep.workload.client.rate=3/s", "--set",
               "workload.client.close=keep", "--set",
               "workload.client.count=1");
  return rc;
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
  char *out =
      tsup_check_ok("results/queries/port_exhaustion.check.sql", g_db);
  assert_null(strstr(out, "FAIL"));
  free(out);
  /* Without the run above the critical rate and the remedies, the checks
   * that need them fail. */
  out = tsup_check_fails("results/queries/port_exhaustion.check.sql", g_db,
                         "1-1");
  assert_non_null(strstr(out, "FAIL"));
  free(out);
}

static long failures(long run)
{
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM app_events WHERE run_id = %ld"
           " AND what = 'failed' AND detail = 'EADDRNOTAVAIL'",
           run);
  return (long)tsup_sql_int(g_db, sql);
}

/* The most connections in TIME_WAIT on host `name` at any instant. */
static long tw_max(long run, const char *name)
{
  char sql[1024];
  snprintf(sql, sizeof sql,
           "WITH d AS (SELECT t_ns, idx, CASE WHEN to_state = 'TIME_WAIT'"
           " THEN 1 ELSE -1 END AS d FROM transitions t JOIN hosts h"
           " USING (run_id, node) WHERE run_id = %ld AND h.name = '%s'"
           " AND (to_state = 'TIME_WAIT') <> (from_state = 'TIME_WAIT'))"
           " SELECT coalesce(max(n), 0) FROM (SELECT sum(d) OVER (ORDER BY"
           " t_ns, idx) AS n FROM d)",
           run, name);
  return (long)tsup_sql_int(g_db, sql);
}

static void test_key_numbers(void **state)
{
  (void)state;
  /* 1/s x 60 s = 60 ports in TIME_WAIT, below the 100 of the range */
  assert_int_equal(failures(1), 0);
  assert_int_equal(tw_max(1, "client"), 60);
  /* 3/s: all 100 ports in TIME_WAIT. Of the 451 connects (0 s to 150 s)
   * 289 get a port: 100 in the first 33 s, then each port comes free
   * 60 s after it was taken, at the pace the ports were taken (99, then
   * 90 before the end); the other 162 fail at once */
  assert_int_equal(tw_max(2, "client"), 100);
  assert_int_equal(failures(2), 162);
  assert_int_equal(tsup_sql_int(g_db, "SELECT count(*) FROM app_events"
                                      " WHERE run_id = 2 AND what = 'connect'"),
                   451);
  /* the remedies at 3/s: no failure */
  assert_int_equal(failures(3), 0);
  assert_int_equal(failures(4), 0);
  assert_int_equal(failures(6), 0);
  /* the server closing first holds the TIME_WAITs; the client none */
  assert_int_equal(tw_max(4, "client"), 0);
  assert_true(tw_max(4, "server") > 0);
}

static void test_plots_render(void **state)
{
  (void)state;
  tsup_plot_ok("results/plots/port_exhaustion.gp", g_db, g_dir, "ports.png");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expectations_pass),
      cmocka_unit_test(test_key_numbers),
      cmocka_unit_test(test_plots_render),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}

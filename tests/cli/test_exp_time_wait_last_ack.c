/*
 * test_exp_time_wait_last_ack.c - seed experiment 3(a), TIME_WAIT and the
 * active closer's lost last ACK (experiments/README.md, "Seed
 * experiments"), through the tcpsim binary:
 * experiments/time_wait_last_ack.ini at the reduced size of the write-up
 * (60 s runs, one replication, p = 0 and 50%: ISN rfc6528/constant x
 * TIME_WAIT 0/MSL/2MSL x p, 12 runs) swept with two workers into one
 * database; then the expectations
 * (results/queries/time_wait_last_ack.check.sql) must pass, a few
 * numbers are checked directly, and its plot renders.
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
  if (tsup_tmp_dir(g_dir, sizeof g_dir, "tcpsim-exp-twack") != 0)
    return -1;
  snprintf(g_db, sizeof g_db, "%s/tw.db", g_dir);
  return tsup_tcpsim("sweep", "experiments/time_wait_last_ack.ini", "--jobs",
                     "2", "--db", g_db, "--set", "run.duration=60s", "--set",
                     "sweep.replications=1", "--set",
                     "sweep.tcp.fault_tw_ack_loss=0,50", NULL);
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
      tsup_check_ok("results/queries/time_wait_last_ack.check.sql", g_db);
  assert_null(strstr(out, "FAIL"));
  free(out);
  /* Without the runs with TIME_WAIT (1-2 have none), the checks that
   * compare lengths fail. */
  out = tsup_check_fails("results/queries/time_wait_last_ack.check.sql", g_db,
                         "1-2");
  assert_non_null(strstr(out, "FAIL"));
  free(out);
}

static long metric(long run, const char *name)
{
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT CAST(value AS INTEGER) FROM metrics WHERE run_id = %ld"
           " AND name = '%s'",
           run, name);
  return (long)tsup_sql_int(g_db, sql);
}

/* Passive closes (server connections that reached LAST_ACK) of run
 * `run` that ended with error `err` (NULL: cleanly). */
static long passive(long run, const char *err)
{
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM connections c WHERE c.run_id = %ld AND"
           " c.kind = 'passive' AND c.closed_ns IS NOT NULL AND c.error IS %s%s%s"
           " AND c.conn_id IN (SELECT conn_id FROM transitions t WHERE"
           " t.run_id = c.run_id AND t.to_state = 'LAST_ACK')",
           run, err ? "'" : "", err ? err : "NULL", err ? "'" : "");
  return (long)tsup_sql_int(g_db, sql);
}

static void test_key_numbers(void **state)
{
  (void)state;
  /* run order: isn (rfc6528, constant) x time_wait (0, 1s, 2s) x p */
  /* rfc6528, no TIME_WAIT, p = 50%: a lost last ACK costs a RST (13
   * ACKs lost, 13 RSTs of 25 passive closes) */
  assert_int_equal(metric(2, "tcp.fault_tw_acks_dropped"), 13);
  assert_int_equal(passive(2, "ECONNRESET"), 13);
  assert_int_equal(passive(2, NULL), 12);
  /* MSL, p = 50%: the server retransmits its FIN 0.2, 0.6 and 1.4 s after
   * the first (RTO 200 ms, doubling), each restarting the client's 1 s
   * TIME_WAIT, so a close fails if all 4 ACKs are lost (p^4): 1 of 17
   * here (conn 24); the other failure (conn 30) is a server whose RTO,
   * backed off by its transfer's retransmissions, was above 1 s: no FIN
   * came within TIME_WAIT, and the client's next SYN met its LAST_ACK */
  assert_int_equal(metric(4, "tcp.fault_tw_acks_dropped"), 36);
  assert_int_equal(passive(4, "ECONNRESET"), 2);
  assert_int_equal(passive(4, NULL), 15);
  /* 2MSL, p = 50%: 24 ACKs lost, no passive close fails */
  assert_int_equal(metric(6, "tcp.fault_tw_acks_dropped"), 24);
  assert_int_equal(passive(6, "ECONNRESET") + passive(6, "ETIMEDOUT"), 0);
  assert_int_equal(passive(6, NULL), 13);
  /* no TIME_WAIT: segments of the previous incarnation reach the next one
   * out of its window; linux answers them at most every 500 ms
   * (invalid_ratelimit), 50 ACKs not sent here; with TIME_WAIT they meet
   * TIME_WAIT instead */
  assert_int_equal(metric(1, "tcp.acks_ratelimited"), 50);
  assert_int_equal(metric(3, "tcp.acks_ratelimited"), 0);
  /* linux restarts TIME_WAIT on every segment with ACK (tw_restart_ack):
   * parked segments reaching it make it last longer than 1 s, as long as
   * 1.66 s here, never shorter */
  assert_int_equal(tsup_sql_int(g_db,
      "SELECT count(*) FROM transitions a JOIN transitions b ON"
      " b.run_id = a.run_id AND b.conn_id = a.conn_id AND"
      " b.from_state = 'TIME_WAIT' WHERE a.run_id = 3 AND"
      " a.to_state = 'TIME_WAIT' AND b.t_ns - a.t_ns < 1000000000"), 0);
  assert_true(tsup_sql_int(g_db,
      "SELECT max(b.t_ns - a.t_ns) FROM transitions a JOIN transitions b ON"
      " b.run_id = a.run_id AND b.conn_id = a.conn_id AND"
      " b.from_state = 'TIME_WAIT' WHERE a.run_id = 3 AND"
      " a.to_state = 'TIME_WAIT'") > 1500000000);
  /* p = 0: nothing dropped */
  assert_int_equal(metric(1, "tcp.fault_tw_acks_dropped"), 0);
  assert_int_equal(metric(5, "tcp.fault_tw_acks_dropped"), 0);
  /* old segments in a new incarnation: constant ISNs, no TIME_WAIT */
  assert_int_equal(metric(7, "segs.stale_accepted"), 5);
  assert_int_equal(metric(11, "segs.stale_accepted"), 0);
  for (long r = 1; r <= 6; r++)
    assert_int_equal(metric(r, "segs.stale_accepted"), 0);
  /* one 'stale_accepted' event per stale segment, each from another
   * incarnation of the pair */
  assert_int_equal(metric(7, "segs.stale_accepted"),
                   tsup_sql_int(g_db, "SELECT count(*) FROM app_events WHERE"
                                      " run_id = 7 AND what = 'stale_accepted'"
                                      " AND detail LIKE '%other connection'"));
}

/* The plot of the write-up renders from this database: gnuplot exits 0
 * and writes a PNG (its signature checked). */
static void test_plot_renders(void **state)
{
  (void)state;
  tsup_plot_ok("results/plots/time_wait_last_ack.gp", g_db, g_dir, "plot.png");
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
